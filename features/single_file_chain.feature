# Source: "Job Retry for Single-File Backups", paragraphs 1 to 5, with the page's worked example.
# "attempt 1" is a session's initial run; "attempt k+1" is retry k. Unmentioned task runs succeed.
# Chain tables list every file: its kind, the run that created it, and the restore points inside;
# a restore point written by another run than its file's creator says which, e.g. "(attempt 2)".

Feature: Retries with a single-file backup chain
  With a single-file chain a session writes one file for all the VMs it processes. Retries add the
  VMs they recover to that same file; VMs that never recover in a session go into the next
  session's file.

  Background:
    Given the job keeps a single-file backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  @JR.EXAMPLE.SINGLE-FILE @JR.EXAMPLE.SINGLE-FILE.SETUP @JR.EXAMPLE.SINGLE-FILE.RESULT
  Scenario: The page's single-file example ends with two files
    Given a backup job protecting 2 VMs
    And the job runs 2 scheduled sessions
    And "VM 2" fails attempts 1 to 4 of session 1
    When the job's sessions run
    Then the job has 2 sessions
    And session 1 has 4 attempts
    And attempt 1 of session 1 runs "VM 1, VM 2"
    And attempt 2 of session 1 runs "VM 2"
    And attempt 3 of session 1 runs "VM 2"
    And attempt 4 of session 1 runs "VM 2"
    And session 1 ends "Failed"
    And session 2 is not retried
    And attempt 1 of session 2 runs "VM 1, VM 2"
    And session 2 ends "Success"
    And the chain holds exactly these backup files:
      | kind        | created by           | restore points              |
      | full        | session 1, attempt 1 | VM 1 full                   |
      | incremental | session 2, attempt 1 | VM 1 incremental, VM 2 full |

  Rule: One file per session holding only the VMs processed

    @JR.SF.ONE-FILE-PER-SESSION @JR.SF.ONLY-PROCESSED
    Scenario: A run that processes two of three VMs writes one file with two restore points
      Given a backup job protecting 3 VMs
      And automatic retry is switched off for the job
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then the chain holds exactly these backup files:
        | kind | created by           | restore points       |
        | full | session 1, attempt 1 | VM 1 full, VM 3 full |

  Rule: A retry writes into the file of the session's initial run

    @JR.SF.RETRY-SAME-FILE
    Scenario: VMs recovered on different retries join the file the initial run created
      Given a backup job protecting 3 VMs
      And "VM 2" fails attempt 1 of session 1
      And "VM 3" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And under the reading recovered-status=latest, session 1 ends "Success"
      And the chain holds exactly these backup files:
        | kind | created by           | restore points                                   |
        | full | session 1, attempt 1 | VM 1 full, VM 2 full (attempt 2), VM 3 full (attempt 3) |

    @JR.SF.RETRY-SAME-FILE @JR.CHAIN.FULL-FIRST @interpretation
    Scenario: In a later session a retry adds an incremental restore point to that session's incremental file
      Given a backup job protecting 2 VMs
      And the job runs 2 scheduled sessions
      And "VM 1" fails attempt 1 of session 2
      When the job's sessions run
      Then the chain holds exactly these backup files:
        | kind        | created by           | restore points                                |
        | full        | session 1, attempt 1 | VM 1 full, VM 2 full                          |
        | incremental | session 2, attempt 1 | VM 1 incremental (attempt 2), VM 2 incremental |

  Rule: When no VM succeeds in the initial run

    @JR.SF.FILE-CREATION @interpretation @reading:sf-file-creation=first-processed
    Scenario: If every VM fails the initial run, the first retry that recovers one creates the file
      Given a backup job protecting 2 VMs
      And "VM 1" fails attempt 1 of session 1
      And "VM 2" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And attempt 1 of session 1 runs "VM 1, VM 2"
      And the chain holds exactly these backup files:
        | kind | created by           | restore points                    |
        | full | session 1, attempt 2 | VM 1 full, VM 2 full (attempt 3) |

    @JR.SF.FILE-CREATION @interpretation @reading:sf-file-creation=first-processed
    Scenario: A session in which no VM is ever processed leaves no file
      Given a backup job protecting 2 VMs
      And the job runs 2 scheduled sessions
      And "VM 1" fails every attempt of session 1
      And "VM 2" fails every attempt of session 1
      When the job's sessions run
      Then session 1 has 4 attempts
      And session 1 creates no backup file
      And the chain holds exactly these backup files:
        | kind | created by           | restore points       |
        | full | session 2, attempt 1 | VM 1 full, VM 2 full |

  Rule: VMs that fail every retry go into the next session's file

    @JR.SF.NEXT-SESSION
    Scenario: A VM that failed a whole session gets a full restore point inside the next incremental file
      Given a backup job protecting 3 VMs
      And the job runs 2 scheduled sessions
      And "VM 1" fails every attempt of session 1
      When the job's sessions run
      Then attempt 1 of session 2 runs "VM 1, VM 2, VM 3"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points                                     |
        | full        | session 1, attempt 1 | VM 2 full, VM 3 full                               |
        | incremental | session 2, attempt 1 | VM 1 full, VM 2 incremental, VM 3 incremental      |

    @JR.SF.NEXT-SESSION @JR.SESSION.ALL-VMS @JR.CHAIN.FULL-FIRST @interpretation
    Scenario: Three sessions in a row: every file after the first is incremental
      Given a backup job protecting 2 VMs
      And the job runs 3 scheduled sessions
      And "VM 2" fails every attempt of session 1
      And "VM 2" fails every attempt of session 2
      When the job's sessions run
      Then the job has 3 sessions
      And session 3 ends "Success"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points              |
        | full        | session 1, attempt 1 | VM 1 full                   |
        | incremental | session 2, attempt 1 | VM 1 incremental            |
        | incremental | session 3, attempt 1 | VM 1 incremental, VM 2 full |

    @JR.SF.NEXT-SESSION @JR.MANUAL.STOP
    Scenario: VMs a stopped session left undone go into the next session's file
      Given a backup job protecting 3 VMs
      And the job runs 2 scheduled sessions
      And the user stops session 1 during attempt 1 after 1 task has finished
      When the job's sessions run
      Then session 1 is not retried
      And attempt 1 of session 2 runs "VM 1, VM 2, VM 3"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points                          |
        | full        | session 1, attempt 1 | VM 1 full                               |
        | incremental | session 2, attempt 1 | VM 1 incremental, VM 2 full, VM 3 full |
