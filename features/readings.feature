# Source: the points "Job Retry" leaves open, each a named reading of the catalogue ([[reading]]).
# Each scenario here is written for one alternative of one reading; the kit's default alternative is
# checked by the scenarios beside the rule it governs. A run judges those of the readings it is under.

Feature: Other readings of the points the page leaves open
  Where the page is silent, more than one behaviour is defensible. A target declares the reading it
  follows, and is judged by it: these scenarios say what each alternative calls for.

  Background:
    Given a backup job protecting 2 VMs
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: A single-file session's file can be created by its initial run, even empty

    @JR.SF.FILE-CREATION @interpretation @reading:sf-file-creation=initial-run
    Scenario: Read literally, the initial run creates the file that a later retry fills
      Given the job keeps a single-file backup chain
      And "VM 1" fails attempt 1 of session 1
      And "VM 2" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And the chain holds exactly these backup files:
        | kind | created by           | restore points                               |
        | full | session 1, attempt 1 | VM 1 full (attempt 2), VM 2 full (attempt 3) |

    @JR.SF.FILE-CREATION @interpretation @reading:sf-file-creation=initial-run
    Scenario: Read literally, a session that processes no VM still leaves its empty file
      Given the job keeps a single-file backup chain
      And the job runs 2 scheduled sessions
      And "VM 1" fails every attempt of session 1
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points       |
        | full        | session 1, attempt 1 | none                 |
        | incremental | session 2, attempt 1 | VM 1 full, VM 2 full |

  Rule: A job-level error can stand for the whole session

    @JR.JOB-FAILURE @interpretation @reading:job-failure=sticky
    Scenario: Read as sticky, a job-level error fails the session although the retry finishes cleanly
      Given the job keeps a per-machine backup chain
      And attempt 1 of session 1 ends with a job-level error
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 2"
      And session 1 ends "Failed"

  Rule: A session that needed a retry can keep its failure on record

    @JR.STATUS.RECOVERED @interpretation @reading:recovered-status=worst-run
    Scenario: Graded by the worst run, a session whose retry recovered every VM ends Failed
      Given the job keeps a per-machine backup chain
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And session 1 ends "Failed"
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 2 | VM 2 full      |

    @JR.STATUS.RECOVERED @interpretation @reading:recovered-status=worst-run
    Scenario: Graded by the worst run, a session with a warning and no failure ends Warning
      Given the job keeps a per-machine backup chain
      And "VM 1" ends with a warning in attempt 1 of session 1
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Warning"

  Rule: A retry count of 0 can mean the default count, or be refused

    @JR.COUNT.ZERO @interpretation @reading:retry-count-zero=rejected
    Scenario: Read as a setting no product accepts, a retry count of 0 is refused and nothing runs
      Given the job keeps a per-machine backup chain
      And the job is set to retry failed items 0 times
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then the target refuses the job's retry settings

    @JR.COUNT.ZERO @interpretation @reading:retry-count-zero=default-count
    Scenario: Read as unset, a retry count of 0 gives the default 3 retries
      Given the job keeps a per-machine backup chain
      And the job is set to retry failed items 0 times
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And session 1 ends "Failed"
