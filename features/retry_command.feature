# Sources: Veeam's "Retrying Jobs" page (retrying_jobs_hv.html) and the REST reference of
# POST /jobs/{ID}?action=retry (post_jobs_id_actionretry.html), as quoted in the kit's copy of their
# excerpts (features/catalogue.toml, JR.MANUAL-RETRY.*). Needs the capability trigger:retry.

Feature: The Retry command
  After a job session fails, the user can ask for a Retry. It is allowed only after a failed session and
  processes only the VMs that session left unprocessed.

  Background:
    Given a backup job protecting 3 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method

  Rule: Only a failed session can be retried by hand

    @JR.MANUAL-RETRY.ONLY-FAILED
    Scenario: A Retry after a successful session is refused
      Given the job keeps the default retry setting
      And the user asks for a Retry of the job as session 2
      When the job's sessions run
      Then session 1 ends "Success"
      And session 2 is refused
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |
        | full | session 1, attempt 1 | VM 3 full      |

    @JR.MANUAL-RETRY.ONLY-FAILED
    Scenario: A Retry after a session that ended with a warning is refused
      Given the job keeps the default retry setting
      And "VM 3" ends with a warning in attempt 1 of session 1
      And the user asks for a Retry of the job as session 2
      When the job's sessions run
      Then session 1 ends "Warning"
      And session 2 is refused

    @JR.MANUAL-RETRY.ONLY-FAILED
    Scenario: A Retry after a failed session runs
      Given automatic retry is switched off for the job
      And "VM 2" fails attempt 1 of session 1
      And the user asks for a Retry of the job as session 2
      When the job's sessions run
      Then session 1 ends "Failed"
      And session 2 is not refused
      And session 2 ends "Success"

  Rule: A Retry takes only what the failed session left

    @JR.MANUAL-RETRY.SCOPE
    Scenario: A Retry runs only the VM that failed every retry, not the one processed with a warning
      Given the job keeps the default retry setting
      And "VM 1" ends with a warning in attempt 1 of session 1
      And "VM 2" fails every attempt of session 1
      And the user asks for a Retry of the job as session 2
      When the job's sessions run
      Then session 1 has 4 attempts
      And session 1 ends "Failed"
      And attempt 1 of session 2 runs "VM 2"
      And session 2 ends "Success"

  Rule: A Retry run is not retried automatically

    @JR.MANUAL-RETRY.NOT-RETRIED @interpretation @reading:retry-command-retried=no
    Scenario: A Retry whose VM fails again runs once
      Given the job keeps the default retry setting
      And "VM 3" fails every attempt of session 1
      And the user asks for a Retry of the job as session 2
      And "VM 3" fails attempt 1 of session 2
      When the job's sessions run
      Then session 2 is not retried
      And session 2 ends "Failed"

    @JR.MANUAL-RETRY.NOT-RETRIED @interpretation @reading:retry-command-retried=yes
    Scenario: Read as resuming the failed session's retries, a Retry whose VM fails again is retried
      Given the job keeps the default retry setting
      And "VM 3" fails every attempt of session 1
      And the user asks for a Retry of the job as session 2
      And "VM 3" fails attempt 1 of session 2
      When the job's sessions run
      Then session 2 has 2 attempts
      And attempt 2 of session 2 runs "VM 3"
      And session 2 ends "Success"

  Rule: A Retry run writes files of its own

    @JR.MANUAL-RETRY.CHAIN @interpretation
    Scenario: With a single-file chain the Retry writes a new incremental file with the recovered VM
      Given the job keeps a single-file backup chain
      And automatic retry is switched off for the job
      And "VM 2" fails attempt 1 of session 1
      And the user asks for a Retry of the job as session 2
      When the job's sessions run
      Then attempt 1 of session 2 runs "VM 2"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points       |
        | full        | session 1, attempt 1 | VM 1 full, VM 3 full |
        | incremental | session 2, attempt 1 | VM 2 full            |
