"""Domain types shared by the reference engine and the harness.

A scenario is what the harness asks a target to do (a job, its sessions and the
failures to inject); a trace is what the target reports back. Both are plain,
immutable data so that any target, in-process or external, is judged the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import Readings

DEFAULT_RETRY_COUNT = 3
"""The page: "By default ... automatically retries a failed job 3 times within one job session"."""


class ChainFormat(StrEnum):
    PER_MACHINE = "per_machine"
    SINGLE_FILE = "single_file"


class BackupMethod(StrEnum):
    FORWARD_INCREMENTAL = "forward_incremental"


class Trigger(StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    RETRY = "retry"
    """The user's Retry command on a job whose last session failed (Veeam's "Retrying Jobs" page)."""


class TaskResult(StrEnum):
    """How one run of one task (one VM) ended."""

    SUCCESS = "success"
    WARNING = "warning"
    FAILED = "failed"

    @property
    def processed(self) -> bool:
        """A warned task still produced its restore point, so it counts as processed."""
        return self is not TaskResult.FAILED


class SessionStatus(StrEnum):
    SUCCESS = "success"
    WARNING = "warning"
    FAILED = "failed"


class BackupKind(StrEnum):
    """Kind of a backup file, and type of a restore point inside it."""

    FULL = "full"
    INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """The job's "retry failed items processing" setting.

    ``count`` None means the target's own default, which the page fixes at 3.
    """

    enabled: bool = True
    count: int | None = None
    wait_minutes: int | None = None
    """The time span set between retries ("Define Job Schedule" step); None: not stated by the scenario."""

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 0:
            raise ValueError(f"retry count must be 0 or more, got {self.count}")
        if self.wait_minutes is not None and self.wait_minutes < 0:
            raise ValueError(f"a retry wait must be 0 minutes or more, got {self.wait_minutes}")

    @property
    def effective_count(self) -> int:
        if not self.enabled:
            return 0
        return DEFAULT_RETRY_COUNT if self.count is None else self.count


@dataclass(frozen=True, slots=True)
class Notifications:
    """The job sends notifications; ``suppress_until_last_retry`` is the option of that name."""

    suppress_until_last_retry: bool


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    vms: tuple[str, ...]
    chain_format: ChainFormat
    backup_method: BackupMethod = BackupMethod.FORWARD_INCREMENTAL
    retry: RetrySettings = field(default_factory=RetrySettings)
    continuous_schedule: bool = False
    notifications: Notifications | None = None
    post_job_script: bool = False
    chained_job: bool = False
    """Another job is chained after this one: it starts when this job's session is over."""

    def __post_init__(self) -> None:
        if not self.vms:
            raise ValueError("a job protects at least one VM")
        if len(set(self.vms)) != len(self.vms):
            raise ValueError(f"VM names in a job must be unique: {list(self.vms)}")


class StopMode(StrEnum):
    """How the user stops a session (Manual Stop of Backup Jobs): at once, terminating the running tasks,
    or gracefully, letting the VMs being processed finish."""

    IMMEDIATE = "immediate"
    GRACEFUL = "graceful"


@dataclass(frozen=True, slots=True)
class ManualStop:
    """The user stops the session during ``attempt`` once ``after_tasks`` of its tasks have finished.

    A graceful stop lands while ``after_tasks`` tasks have started (done or being processed): all of them
    finish and none starts after them; 0 is a graceful stop before the attempt's first VM."""

    attempt: int
    after_tasks: int
    mode: StopMode = StopMode.IMMEDIATE

    def __post_init__(self) -> None:
        if self.attempt < 1 or self.after_tasks < 0:
            raise ValueError(f"a stop needs attempt >= 1 and after_tasks >= 0, got {self}")


@dataclass(frozen=True, slots=True)
class InjectedOutcome:
    """What one VM's task does on one attempt; every run not injected succeeds."""

    vm: str
    attempt: int
    result: TaskResult


@dataclass(frozen=True, slots=True)
class SessionPlan:
    trigger: Trigger = Trigger.SCHEDULED
    outcomes: tuple[InjectedOutcome, ...] = ()
    stop: ManualStop | None = None
    job_failure_attempts: frozenset[int] = frozenset()
    """Attempts that end with a job-level error after their tasks (for example a failing post-job script)."""

    def injected(self) -> dict[int, dict[str, TaskResult]]:
        """The injected results by attempt, then VM, for lookups in constant time; a run absent from it
        succeeds."""
        table: dict[int, dict[str, TaskResult]] = {}
        for outcome in self.outcomes:
            table.setdefault(outcome.attempt, {})[outcome.vm] = outcome.result
        return table


@dataclass(frozen=True, slots=True)
class Scenario:
    job: Job
    sessions: tuple[SessionPlan, ...]
    readings: Readings = DEFAULT_READINGS
    """The readings of the points the page leaves open that the target is judged under."""

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("a scenario runs at least one session")
        known = set(self.job.vms)
        for number, plan in enumerate(self.sessions, start=1):
            unknown = {o.vm for o in plan.outcomes} - known
            if unknown:
                raise ValueError(
                    f"session {number} injects outcomes for VMs not in the job: {sorted(unknown)}"
                )
            pairs = [(o.vm, o.attempt) for o in plan.outcomes]
            if len(set(pairs)) != len(pairs):
                raise ValueError(f"session {number} injects two outcomes for the same VM and attempt")
        if self.sessions[0].trigger is Trigger.RETRY:
            raise ValueError("session 1 cannot be a Retry: the command retries an earlier session")


@dataclass(frozen=True, slots=True)
class TaskRun:
    vm: str
    result: TaskResult


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of the job inside a session: number 1 is the initial run, number k+1 is retry k."""

    number: int
    tasks: tuple[TaskRun, ...]
    job_failure: bool = False
    started_at: float | None = None
    ended_at: float | None = None
    """When the attempt started and ended, in minutes on the target's own clock (reported for scenarios
    that set a retry wait or a continuous schedule)."""


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification the job sent after ``after_attempt``, reporting ``status``."""

    after_attempt: int
    status: SessionStatus


@dataclass(frozen=True, slots=True)
class Session:
    number: int
    trigger: Trigger
    status: SessionStatus
    attempts: tuple[Attempt, ...]
    stopped_manually: bool = False
    refused: bool = False
    """A Retry the product refused: the session ran no attempt."""
    notifications: tuple[Notification, ...] = ()
    post_job_script_after: tuple[int, ...] = ()
    """The attempts after which the post-job script ran."""
    chained_job_after: tuple[int, ...] = ()
    """The attempts after which the chained job was started."""


@dataclass(frozen=True, slots=True)
class RestorePoint:
    vm: str
    kind: BackupKind
    session: int
    attempt: int


@dataclass(frozen=True, slots=True)
class BackupFile:
    """A file of the chain; ``session``/``attempt`` say which run created it."""

    id: str
    kind: BackupKind
    session: int
    attempt: int
    restore_points: tuple[RestorePoint, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    sessions: tuple[Session, ...]
    files: tuple[BackupFile, ...]
