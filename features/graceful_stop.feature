# Source: "Manual Stop of Backup Jobs" and "Starting and Stopping Jobs" (Veeam's related pages, excerpts in
# related-pages.md), with the "Important" box of "Job Retry": a job stopped by hand is not retried.
# A graceful stop lands while some tasks of an attempt have started (done, or being processed).

Feature: A graceful stop lets the VMs in progress finish
  Besides stopping a session at once, the user can stop it gracefully: the VMs already processed and
  those being processed get their restore points, no other VM starts, and nothing is retried. What
  status such a session ends with when every VM got done is not documented: a named reading.

  Background:
    Given a backup job protecting 3 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: The VMs in progress finish, no other starts, and the session is not retried

    @JR.STOP.GRACEFUL @JR.MANUAL.STOP
    Scenario: A graceful stop while the second VM runs keeps two restore points and fails the session
      Given the user stops session 1 gracefully during attempt 1 while task 2 is being processed
      When the job's sessions run
      Then attempt 1 of session 1 runs "VM 1, VM 2"
      And session 1 is not retried
      And session 1 ends "Failed"
      And session 1 is marked as stopped by the user
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |

    @JR.STOP.GRACEFUL @JR.MANUAL.STOP
    Scenario: A graceful stop during a retry lets the retried VM finish and ends the retries
      Given "VM 2" fails attempt 1 of session 1
      And "VM 3" fails attempt 1 of session 1
      And the user stops session 1 gracefully during attempt 2 while task 1 is being processed
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 2"
      And session 1 ends "Failed"
      And "VM 3" runs 1 time in session 1

    @JR.STOP.GRACEFUL @JR.SESSION.ALL-VMS @interpretation
    Scenario: The VMs a graceful stop never started are taken by the next session
      Given the job runs 2 scheduled sessions
      And the user stops session 1 gracefully during attempt 1 while task 1 is being processed
      When the job's sessions run
      Then attempt 1 of session 2 runs "VM 1, VM 2, VM 3"
      And session 2 ends "Success"

    @JR.STOP.GRACEFUL.BEFORE-FIRST
    Scenario: A graceful stop before the first VM starts fails the session with no backup
      Given the user stops session 1 gracefully during attempt 1 before its first task starts
      When the job's sessions run
      Then attempt 1 of session 1 runs no task
      And session 1 is not retried
      And session 1 ends "Failed"
      And the chain holds no backup file

  Rule: After a graceful stop that let every VM finish, the status is a reading

    @JR.STOP.STATUS @interpretation @reading:graceful-stop-status=failed
    Scenario: Read as a cancelled session, a graceful stop that finished every VM still ends Failed
      Given the user stops session 1 gracefully during attempt 1 while task 3 is being processed
      When the job's sessions run
      Then attempt 1 of session 1 runs "VM 1, VM 2, VM 3"
      And session 1 is not retried
      And session 1 ends "Failed"
      And session 1 is marked as stopped by the user

    @JR.STOP.STATUS @interpretation @reading:graceful-stop-status=from-tasks
    Scenario: Read from its tasks, a graceful stop that finished every VM ends as its tasks did
      Given "VM 2" ends with a warning in attempt 1 of session 1
      And the user stops session 1 gracefully during attempt 1 while task 3 is being processed
      When the job's sessions run
      Then attempt 1 of session 1 runs "VM 1, VM 2, VM 3"
      And session 1 is not retried
      And session 1 ends "Warning"
      And session 1 is marked as stopped by the user

    @JR.STOP.GRACEFUL @JR.MANUAL.STOP
    Scenario: Under either reading, a graceful stop that leaves a failed VM ends Failed without a retry
      Given "VM 3" fails attempt 1 of session 1
      And the user stops session 1 gracefully during attempt 1 while task 3 is being processed
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Failed"
