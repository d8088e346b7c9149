# Source: Veeam's "Step 11. Define Job Schedule" page (backup_job_schedule_hv.html), paragraphs 1 and 2 of the
# kit's copy of its excerpts (features/catalogue.toml, JR.WAIT.*). Needs the capability retry_wait: the
# target reports when each attempt started and ended, in minutes on its own clock.

Feature: The wait between retries
  The job can be told how long to wait before each retry. On a continuous schedule it does not wait: the
  retries follow one another at once.

  Background:
    Given a backup job protecting 2 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method

  Rule: Each retry waits the span the job sets

    @JR.WAIT.BETWEEN
    Scenario: With a 10-minute wait every retry starts 10 minutes or more after the attempt before it
      Given the job keeps the default retry setting
      And the job waits 10 minutes before each retry
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And every retry of session 1 starts 10 minutes or more after the attempt before it ended

    @JR.WAIT.BETWEEN
    Scenario: A single-file job with a 30-minute wait waits before its only retry
      Given the job keeps a single-file backup chain
      And the job is set to retry failed items 1 time
      And the job waits 30 minutes before each retry
      And "VM 1" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And under the reading recovered-status=latest, session 1 ends "Success"
      And every retry of session 1 starts 30 minutes or more after the attempt before it ended

  Rule: On a continuous schedule the retries follow at once

    @JR.WAIT.CONTINUOUS
    Scenario: On a continuous schedule a retry starts at once, although a wait is set
      Given the job is set to retry failed items 2 times
      And the job waits 10 minutes before each retry
      And the job runs on a continuous schedule
      And "VM 1" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And every retry of session 1 starts less than a minute after the attempt before it ended
