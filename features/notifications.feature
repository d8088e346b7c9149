# Source: Veeam's "Notification Settings" page (backup_job_advanced_notify_hv.html), as quoted in the kit's
# copy of its excerpts (features/catalogue.toml, JR.NOTIFY.*). Needs the capability notifications: the
# target reports each notification, the attempt after which it was sent and the status it gave.

Feature: Notifications about a retried job
  A job that sends notifications can hold them back until its last retry and then report only the final
  status; otherwise each retry is followed by a notification.

  Background:
    Given a backup job protecting 2 VMs
    And the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  Rule: Held back until the last retry, one notification gives the final status

    @JR.NOTIFY.SUPPRESSED @reading:recovered-status=latest
    Scenario: A session recovered by its second retry sends one notification, of Success
      Given the job sends notifications, held back until the last retry
      And "VM 2" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And session 1 sends these notifications: Success after attempt 3

    @JR.NOTIFY.SUPPRESSED
    Scenario: A session that fails every retry sends one notification, of Failed
      Given the job sends notifications, held back until the last retry
      And "VM 1" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And session 1 sends these notifications: Failed after attempt 4

  Rule: Otherwise every retry is followed by a notification

    @JR.NOTIFY.EVERY-RETRY @reading:recovered-status=latest
    Scenario: A session retried twice sends a notification after each run
      Given the job sends notifications
      And "VM 2" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And session 1 sends these notifications: Failed after attempt 1, Failed after attempt 2, Success after attempt 3

  Rule: The initial run is followed by a notification too

    @JR.NOTIFY.INITIAL-RUN @interpretation
    Scenario: A session that needs no retry sends one notification, after its initial run
      Given the job sends notifications
      When the job's sessions run
      Then session 1 has 1 attempt
      And session 1 sends these notifications: Success after attempt 1

    @JR.NOTIFY.INITIAL-RUN @interpretation @reading:recovered-status=latest
    Scenario: A retried session's initial run is followed by a notification of Failed
      Given the job sends notifications
      And "VM 1" fails attempt 1 of session 1
      When the job's sessions run
      Then session 1 sends these notifications: Failed after attempt 1, Success after attempt 2
