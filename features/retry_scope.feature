# Source: "Job Retry", opening section, paragraph 2.
# "attempt 1" is a session's initial run; "attempt k+1" is retry k. Unmentioned task runs succeed.

Feature: What a retry processes, and how the session ends
  A retry takes only the tasks that are still failed. Whatever a run processed stays processed for
  the rest of the session, and the session's status tells whether anything was left undone.

  Background:
    Given a backup job protecting 4 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: A retry runs only the failed tasks

    @JR.SCOPE.FAILED-ONLY
    Scenario: Each retry takes exactly the VMs still failed, in job order
      Given the task outcomes of session 1 are:
        | VM   | attempt 1 | attempt 2 | attempt 3 | attempt 4 |
        | VM 1 | failed    | success   |           |           |
        | VM 2 | success   |           |           |           |
        | VM 3 | failed    | failed    | success   |           |
        | VM 4 | failed    | failed    | failed    | success   |
      When the job's sessions run
      Then session 1 has 4 attempts
      And attempt 1 of session 1 runs "VM 1, VM 2, VM 3, VM 4"
      And attempt 2 of session 1 runs "VM 1, VM 3, VM 4"
      And attempt 3 of session 1 runs "VM 3, VM 4"
      And attempt 4 of session 1 runs "VM 4"
      And "VM 2" runs 1 time in session 1
      And under the reading recovered-status=latest, session 1 ends "Success"

    @JR.SCOPE.FAILED-ONLY
    Scenario: A VM that fails twice and recovers on the last retry gets its restore point from that retry
      Given "VM 3" fails attempts 1 to 3 of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And attempt 4 of session 1 runs "VM 3"
      And under the reading recovered-status=latest, session 1 ends "Success"
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |
        | full | session 1, attempt 1 | VM 4 full      |
        | full | session 1, attempt 4 | VM 3 full      |

  Rule: A warned task is processed and is not retried

    @JR.WARNING.PROCESSED
    Scenario: A VM with a warning beside a failed VM keeps its restore point and is not retried
      Given "VM 1" ends with a warning in attempt 1 of session 1
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 2"
      And "VM 1" runs 1 time in session 1
      And under the reading recovered-status=latest, session 1 ends "Warning"

  Rule: The session's final status

    @JR.STATUS.FAILED
    Scenario: A session with a VM still failed after the last retry ends Failed
      Given "VM 4" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And session 1 ends "Failed"

    @JR.STATUS.RECOVERED @interpretation @reading:recovered-status=latest
    Scenario: A session whose retry recovers the last VM with a warning ends Warning
      Given "VM 2" fails attempt 1 of session 1
      And "VM 2" ends with a warning in attempt 2 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And session 1 ends "Warning"

    @JR.STATUS.RECOVERED @interpretation @reading:recovered-status=latest
    Scenario: A session whose retry recovers every VM cleanly ends Success
      Given "VM 1" fails attempt 1 of session 1
      And "VM 4" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And session 1 ends "Success"
