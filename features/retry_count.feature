# Source: "Job Retry", opening section, paragraph 1 (see features/catalogue.toml).
# Vocabulary used in every feature: "attempt 1" is a session's initial run and "attempt k+1" is
# retry k. Every task run the scenario does not mention succeeds. After its own steps, every
# scenario's trace is also judged by all the catalogue's rule checks (retrykit/oracles.py).

Feature: How many times a failed job is retried within one session
  A failed job gets further attempts inside the same job session. Out of the box there are three
  retries, so a task that keeps failing runs four times; the job can ask for another number.

  Background:
    Given a backup job protecting 2 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method

  Rule: A failed scheduled run is retried automatically

    @JR.RETRY.AUTOMATIC
    Scenario: A VM that fails the initial run is tried again without anyone asking
      Given the job keeps the default retry setting
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And attempt 2 of session 1 runs "VM 2"
      And under the reading recovered-status=latest, session 1 ends "Success"

  Rule: Three retries unless the job says otherwise

    @JR.COUNT.DEFAULT
    Scenario: A VM that never succeeds runs four times: the initial run and three retries
      Given the job keeps the default retry setting
      And "VM 1" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And "VM 1" runs 4 times in session 1
      And "VM 2" runs 1 time in session 1
      And session 1 ends "Failed"

    @JR.COUNT.DEFAULT
    Scenario: A VM that recovers on the third retry needs every default retry and no more
      Given the job keeps the default retry setting
      And "VM 2" fails attempts 1 to 3 of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And attempt 4 of session 1 runs "VM 2"
      And under the reading recovered-status=latest, session 1 ends "Success"

  Rule: A custom retry count is honoured exactly

    @JR.COUNT.CUSTOM
    Scenario Outline: With <retries> retries configured a failing VM runs <runs> times
      Given the job is set to retry failed items <retries> times
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has <runs> attempts
      And "VM 2" runs <runs> times in session 1
      And "VM 1" runs 1 time in session 1
      And session 1 ends "Failed"

      Examples:
        | retries | runs |
        | 1       | 2    |
        | 3       | 4    |
        | 7       | 8    |

    @JR.COUNT.CUSTOM
    Scenario: A single configured retry that succeeds ends the session well
      Given the job is set to retry failed items 1 time
      And "VM 1" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And under the reading recovered-status=latest, session 1 ends "Success"

  Rule: No retries at all when retry is switched off or set to zero

    @JR.COUNT.ZERO @interpretation
    Scenario: With retry switched off a failed run is final for the session
      Given automatic retry is switched off for the job
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Failed"

    @JR.COUNT.ZERO @interpretation @reading:retry-count-zero=no-retries
    Scenario: A retry count of zero means one run only, and the next session picks the VM up
      Given the job is set to retry failed items 0 times
      And the job runs 2 scheduled sessions
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 is not retried
      And session 1 ends "Failed"
      And attempt 1 of session 2 runs "VM 1, VM 2"
      And session 2 ends "Success"

  Rule: Retries stay inside their job session

    @JR.SESSION.SAME
    Scenario: Three retries in the first session do not add sessions
      Given the job keeps the default retry setting
      And the job runs 2 scheduled sessions
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then the job has 2 sessions
      And session 1 has 4 attempts
      And session 2 has 1 attempt
