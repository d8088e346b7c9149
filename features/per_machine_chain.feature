# Source: "Job Retry for Per-Machine Backups", paragraphs 1 to 5, with the page's worked example.
# "attempt 1" is a session's initial run; "attempt k+1" is retry k. Unmentioned task runs succeed.
# Chain tables list every file: its kind, the run that created it, and the restore points inside;
# a restore point written by another run than its file's creator says which, e.g. "(attempt 2)".

Feature: Retries with a per-machine backup chain
  With a per-machine chain each run writes one file per VM it processes. A retry that recovers VMs
  writes new files for them; VMs that never recover in a session wait for the next session, which
  writes them into its own files.

  Background:
    Given the job keeps a per-machine backup chain
    And the job uses the forward incremental method
    And the job keeps the default retry setting

  @JR.EXAMPLE.PER-MACHINE @JR.EXAMPLE.PER-MACHINE.SETUP @JR.EXAMPLE.PER-MACHINE.RESULT
  Scenario: The page's per-machine example ends with three backups
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
      | kind        | created by           | restore points   |
      | full        | session 1, attempt 1 | VM 1 full        |
      | incremental | session 2, attempt 1 | VM 1 incremental |
      | full        | session 2, attempt 1 | VM 2 full        |

  Rule: One file per processed VM per run, and none for the others

    @JR.PM.FILE-PER-VM @JR.PM.ONLY-PROCESSED
    Scenario: A run that processes two of three VMs writes two files
      Given a backup job protecting 3 VMs
      And automatic retry is switched off for the job
      And "VM 2" fails attempt 1 of session 1
      When the job's sessions run
      Then the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 3 full      |

    @JR.PM.FILE-PER-VM
    Scenario: A VM with a warning still gets its own file
      Given a backup job protecting 2 VMs
      And "VM 1" ends with a warning in attempt 1 of session 1
      When the job's sessions run
      Then the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 1 | VM 2 full      |

  Rule: A retry that recovers VMs writes new files for them

    @JR.PM.RETRY-NEW-FILES
    Scenario: VMs recovered on different retries each get a file of the retry that recovered them
      Given a backup job protecting 3 VMs
      And "VM 2" fails attempt 1 of session 1
      And "VM 3" fails attempts 1 to 2 of session 1
      When the job's sessions run
      Then session 1 has 3 attempts
      And the chain holds exactly these backup files:
        | kind | created by           | restore points |
        | full | session 1, attempt 1 | VM 1 full      |
        | full | session 1, attempt 2 | VM 2 full      |
        | full | session 1, attempt 3 | VM 3 full      |

    @JR.PM.RETRY-NEW-FILES @JR.CHAIN.FULL-FIRST @interpretation
    Scenario: In a later session a retry's new file is incremental for a VM that already has a backup
      Given a backup job protecting 2 VMs
      And the job runs 2 scheduled sessions
      And "VM 1" fails attempt 1 of session 2
      When the job's sessions run
      Then the chain holds exactly these backup files:
        | kind        | created by           | restore points   |
        | full        | session 1, attempt 1 | VM 1 full        |
        | full        | session 1, attempt 1 | VM 2 full        |
        | incremental | session 2, attempt 1 | VM 2 incremental |
        | incremental | session 2, attempt 2 | VM 1 incremental |

  Rule: VMs that fail every retry are processed by the next session, into its own files

    @JR.PM.NEXT-SESSION
    Scenario: A VM that failed a whole session is backed up by the next one, as a full backup
      Given a backup job protecting 3 VMs
      And the job runs 2 scheduled sessions
      And "VM 3" fails every attempt of session 1
      When the job's sessions run
      Then attempt 1 of session 2 runs "VM 1, VM 2, VM 3"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points   |
        | full        | session 1, attempt 1 | VM 1 full        |
        | full        | session 1, attempt 1 | VM 2 full        |
        | incremental | session 2, attempt 1 | VM 1 incremental |
        | incremental | session 2, attempt 1 | VM 2 incremental |
        | full        | session 2, attempt 1 | VM 3 full        |

    @JR.PM.NEXT-SESSION @JR.SESSION.ALL-VMS @JR.CHAIN.FULL-FIRST @interpretation
    Scenario: Three sessions in a row: a VM failing two whole sessions gets its full in the third
      Given a backup job protecting 2 VMs
      And the job runs 3 scheduled sessions
      And "VM 2" fails every attempt of session 1
      And "VM 2" fails every attempt of session 2
      When the job's sessions run
      Then the job has 3 sessions
      And session 1 has 4 attempts
      And session 2 has 4 attempts
      And session 3 is not retried
      And session 2 ends "Failed"
      And session 3 ends "Success"
      And the chain holds exactly these backup files:
        | kind        | created by           | restore points   |
        | full        | session 1, attempt 1 | VM 1 full        |
        | incremental | session 2, attempt 1 | VM 1 incremental |
        | incremental | session 3, attempt 1 | VM 1 incremental |
        | full        | session 3, attempt 1 | VM 2 full        |
