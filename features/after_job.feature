# Sources: Veeam's "Script Settings" page (backup_job_advanced_script_hv.html) and the "Chained Jobs" section
# of its "Automatic Startup Schedule" page (job_schedule_hv.html), as quoted in the kit's copy of their
# excerpts (features/catalogue.toml, JR.AFTER-JOB.*). Needs the capability post_job: the target reports the
# attempts after which the post-job script ran and the chained job was started.

Feature: What runs after a retried job
  A job's post-job script runs, and the job chained after it starts, once per session: after every retry
  of a failed scheduled session, after the only run of one started by hand.

  Background:
    Given a backup job protecting 2 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: The post-job script runs once, after the session's last attempt

    @JR.AFTER-JOB.SCRIPT
    Scenario: A scheduled session that fails every retry runs its script after the last retry
      Given the job runs a post-job script
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And the post-job script runs once in session 1, after attempt 4

    @JR.AFTER-JOB.SCRIPT
    Scenario: A session recovered by its first retry runs its script after that retry
      Given the job runs a post-job script
      And "VM 1" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 has 2 attempts
      And the post-job script runs once in session 1, after attempt 2

    @JR.AFTER-JOB.SCRIPT
    Scenario: A failed session started by hand runs its script after its only attempt
      Given the job runs a post-job script
      And session 1 is started manually
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 ends "Failed"
      And the post-job script runs once in session 1, after attempt 1

  Rule: The chained job starts once, after the session's last attempt, whatever its result

    @JR.AFTER-JOB.CHAINED
    Scenario: The job chained after a scheduled session that fails every retry starts after the last retry
      Given another job is chained after the job
      And "VM 1" fails every attempt of session 1
      When the job's sessions run
      Then session 1 ends "Failed"
      And the chained job starts once in session 1, after attempt 4

    @JR.AFTER-JOB.CHAINED
    Scenario: The job chained after a session the user stopped starts all the same
      Given another job is chained after the job
      And "VM 2" fails attempt 1 of session 1
      And the user stops session 1 during attempt 2 after 0 tasks have finished
      When the job's sessions run
      Then session 1 has 2 attempts
      And the chained job starts once in session 1, after attempt 2
