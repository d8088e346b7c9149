# Source: "Job Retry", opening section, paragraphs 2 and 4 (the "Important" box).
# "attempt 1" is a session's initial run; "attempt k+1" is retry k. Unmentioned task runs succeed.

Feature: When a retry is launched, and when it is not
  Only a session that failed with work left undone is retried. A session that ended Success or
  Warning is left alone, and so is any session a person started or stopped by hand.

  Background:
    Given a backup job protecting 3 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: Only a failed session with unprocessed tasks is retried

    @JR.WHEN.FAILED-UNPROCESSED
    Scenario: A failed session with one VM left unprocessed is retried for that VM
      Given "VM 3" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 3"

    @JR.WHEN.FAILED-UNPROCESSED @JR.JOB-FAILURE @interpretation
    Scenario: A session that failed although every VM was processed is not retried
      Given attempt 1 of session 1 ends with a job-level error
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Failed"

    @JR.JOB-FAILURE @interpretation @reading:job-failure=latest
    Scenario: A job-level error beside a failed VM: the retry runs, and its clean finish decides the status
      Given attempt 1 of session 1 ends with a job-level error
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 2"
      And under the reading recovered-status=latest, session 1 ends "Success"

  Rule: Success and Warning sessions are never retried

    @JR.WHEN.NOT-SUCCESS-WARNING
    Scenario: A session where every VM succeeds runs once
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Success"

    @JR.WHEN.NOT-SUCCESS-WARNING
    Scenario: A session that ends with a warning is not retried
      Given "VM 2" ends with a warning in attempt 1 of session 1
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Warning"

  Rule: Jobs started or stopped by hand are not retried automatically

    @JR.MANUAL.START
    Scenario: A manually started session that fails is not retried
      Given session 1 is started manually
      And "VM 1" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Failed"

    @JR.MANUAL.START
    Scenario: After a failed manual session the next scheduled session retries as usual
      Given the job runs 2 scheduled sessions
      And session 1 is started manually
      And "VM 1" fails attempt 1 of session 1
      And "VM 1" fails attempt 1 of session 2
      When the job's sessions run
      Then session 1 is not retried
      And session 2 has 2 attempts
      And attempt 2 of session 2 runs "VM 1"

    @JR.MANUAL.STOP
    Scenario: A session the user stops is not retried
      Given the user stops session 1 during attempt 1 after 1 task has finished
      When the job's sessions run
      Then session 1 is not retried
      And session 1 is marked as stopped by the user

    @JR.MANUAL.STOP
    Scenario: A stop during a retry ends the retries
      Given "VM 2" fails attempts 1 to 2 of session 1
      And "VM 3" fails attempts 1 to 2 of session 1
      And the user stops session 1 during attempt 2 after 1 task has finished
      When the job's sessions run
      Then session 1 has 2 attempts
      And session 1 is marked as stopped by the user

  Rule: What a stop leaves behind

    @JR.STOP.IMMEDIATE @JR.STOP.STATUS @JR.ORDER @interpretation
    Scenario: A stop after some VMs were processed keeps their restore points and fails the session
      Given the user stops session 1 during attempt 1 after 2 tasks have finished
      When the job's sessions run
      Then attempt 1 of session 1 runs "VM 1, VM 2"
      And session 1 ends "Failed"
      And session 1 is not retried
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |

    @JR.STOP.STATUS @JR.SESSION.ALL-VMS @interpretation
    Scenario: The VMs a stop left unprocessed are taken by the next session
      Given the job runs 2 scheduled sessions
      And the user stops session 1 during attempt 1 after 1 task has finished
      When the job's sessions run
      Then attempt 1 of session 2 runs "VM 1, VM 2, VM 3"
      And session 2 ends "Success"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points   |
        | full        | session 1, attempt 1 | VM 1 full        |
        | incremental | session 2, attempt 1 | VM 1 incremental |
        | full        | session 2, attempt 1 | VM 2 full        |
        | full        | session 2, attempt 1 | VM 3 full        |

    @JR.STOP.IMMEDIATE @JR.ORDER @interpretation
    Scenario: A stop before any task finished leaves the session without a backup
      Given the user stops session 1 during attempt 1 after 0 tasks have finished
      When the job's sessions run
      Then attempt 1 of session 1 runs no task
      And session 1 ends "Failed"
      And the chain holds no backup file

    @JR.STOP.IMMEDIATE @JR.STOP.STATUS @interpretation
    Scenario: A stop that lands after every task has finished still fails the session
      Given the user stops session 1 during attempt 1 after 3 tasks have finished
      When the job's sessions run
      Then attempt 1 of session 1 runs "VM 1, VM 2, VM 3"
      And session 1 ends "Failed"
      And session 1 is not retried
      And session 1 is marked as stopped by the user
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |
        | full | session 1, attempt 1 | VM 3 full      |
