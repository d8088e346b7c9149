"""The reference reading of the "Job Retry" page, as one pure function.

Every decision here is a rule of the catalogue (features/catalogue.toml); the
comments name the rule IDs so a reviewer can trace each branch to the page or to
the kit's stated interpretation. Cost is linear in VMs x sessions x attempts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial

from retrykit.reference import related
from retrykit.reference.model import (
    Attempt,
    BackupFile,
    BackupKind,
    ChainFormat,
    Job,
    RestorePoint,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    StopMode,
    TaskResult,
    TaskRun,
    Trace,
    Trigger,
)
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import (
    FileCreation,
    GracefulStopStatus,
    JobFailureStatus,
    Readings,
    RecoveredStatus,
    RetryCommandRetried,
    ZeroRetries,
)


def session_status(
    results: Mapping[str, TaskResult | None], *, job_failure: bool, stopped: bool
) -> SessionStatus:
    """Status of a session from the latest result of each task (None: never ran).

    JR.STATUS.FAILED: a task left unprocessed fails the session; I.STATUS.RECOVERED:
    otherwise the worst latest result decides; I.STOP.STATUS and I.JOB-FAILURE: a
    stop or a job-level error of the latest attempt fails it as well.
    """
    latest = list(results.values())
    if stopped or job_failure or None in latest or TaskResult.FAILED in latest:
        return SessionStatus.FAILED
    if TaskResult.WARNING in latest:
        return SessionStatus.WARNING
    return SessionStatus.SUCCESS


class _Chain:
    """The backup chain as it grows, with the restore-point history each decision needs."""

    def __init__(self, chain_format: ChainFormat, file_at_initial_run: bool = False) -> None:
        self.chain_format = chain_format
        self.file_at_initial_run = file_at_initial_run
        self.files: list[BackupFile] = []
        self._vms_with_points: set[str] = set()
        self._session_file: int | None = None

    def start_session(self) -> None:
        self._session_file = None

    def _point_kinds(self, vms: list[str]) -> list[BackupKind]:
        # I.CHAIN.FULL-FIRST: a VM's first restore point is full, every later one incremental.
        seen = self._vms_with_points
        return [BackupKind.INCREMENTAL if vm in seen else BackupKind.FULL for vm in vms]

    def write(self, vms: list[str], session: int, attempt: int) -> None:
        if not vms:
            if self.file_at_initial_run and attempt == 1 and self.chain_format is ChainFormat.SINGLE_FILE:
                # I.SF.FILE-CREATION, reading initial-run: the initial run creates the file, even empty.
                kind = BackupKind.INCREMENTAL if self.files else BackupKind.FULL
                self._session_file = len(self.files)
                self.files.append(BackupFile(f"s{session}", kind, session, attempt, ()))
            return
        points = [
            RestorePoint(vm, kind, session, attempt)
            for vm, kind in zip(vms, self._point_kinds(vms), strict=True)
        ]
        self._vms_with_points.update(vms)
        if self.chain_format is ChainFormat.PER_MACHINE:
            # JR.PM.FILE-PER-VM, JR.PM.RETRY-NEW-FILES: every processed VM gets a file of its own.
            self.files.extend(
                BackupFile(f"s{session}a{attempt}-{p.vm}", p.kind, session, attempt, (p,)) for p in points
            )
            return
        if self._session_file is None:
            # JR.SF.ONE-FILE-PER-SESSION, I.SF.FILE-CREATION: the first attempt with data creates the file;
            # I.CHAIN.FULL-FIRST: the chain's first file is a full backup, later ones incremental.
            kind = BackupKind.INCREMENTAL if self.files else BackupKind.FULL
            self._session_file = len(self.files)
            self.files.append(BackupFile(f"s{session}", kind, session, attempt, tuple(points)))
            return
        # JR.SF.RETRY-SAME-FILE: a retry writes into the file the session already created.
        current = self.files[self._session_file]
        self.files[self._session_file] = BackupFile(
            current.id, current.kind, current.session, current.attempt, current.restore_points + tuple(points)
        )


def allowed_retries(job: Job, plan: SessionPlan) -> int:
    """JR.COUNT.*: the job's retry count; JR.MANUAL.START: none for a session the user started."""
    return job.retry.effective_count if plan.trigger is Trigger.SCHEDULED else 0


def unprocessed(job: Job, latest: Mapping[str, TaskResult | None]) -> list[str]:
    """JR.SCOPE.FAILED-ONLY: what the next attempt takes, in job order: failed or never-run tasks only."""
    return [vm for vm in job.vms if latest[vm] is None or latest[vm] is TaskResult.FAILED]


def retry_needed(status: SessionStatus, pending: list[str], stopped: bool) -> bool:
    """JR.WHEN.FAILED-UNPROCESSED, JR.WHEN.NOT-SUCCESS-WARNING, JR.MANUAL.STOP: only a failed session
    with unprocessed tasks that nobody stopped is retried."""
    return status is SessionStatus.FAILED and bool(pending) and not stopped


class RefusedSetting(ValueError):
    """The job's settings are ones the readings say a product refuses: there is no trace to give, and a
    target under those readings answers 'skipped' with this reason."""


def configured_job(job: Job, readings: Readings) -> Job:
    """I.COUNT.ZERO under its reading: a retry count of 0 means no retries, the default count, or is
    refused like any setting the product does not accept."""
    if job.retry.count != 0 or readings.retry_count_zero is ZeroRetries.NO_RETRIES:
        return job
    if readings.retry_count_zero is ZeroRetries.REJECTED:
        raise RefusedSetting("a retry count of 0 is refused (reading retry-count-zero=rejected)")
    return replace(job, retry=replace(job.retry, count=None))


def stop_fails(stop_mode: StopMode | None, readings: Readings) -> bool:
    """JR.STOP.IMMEDIATE: an immediate stop fails the session; I.STOP.STATUS: a graceful one too, or
    (reading from-tasks) its status comes from its tasks like any session's."""
    if stop_mode is None:
        return False
    return stop_mode is StopMode.IMMEDIATE or readings.graceful_stop_status is GracefulStopStatus.FAILED


def _worse(before: TaskResult | None, now: TaskResult) -> TaskResult:
    order = (TaskResult.SUCCESS, TaskResult.WARNING, TaskResult.FAILED)
    return now if before is None or order.index(now) > order.index(before) else before


def session_start(job: Job, left_over: frozenset[str]) -> list[str]:
    """I.SESSION.ALL-VMS: every session starts with the whole job, so what the last one left over
    (JR.PM.NEXT-SESSION, JR.SF.NEXT-SESSION) is simply part of the next initial run."""
    return list(job.vms)


def _run_session(
    number: int,
    plan: SessionPlan,
    job: Job,
    chain: _Chain,
    left_over: frozenset[str],
    clean: dict[str, TaskRun],
    readings: Readings = DEFAULT_READINGS,
) -> tuple[Session, frozenset[str]]:
    """One session, and the VMs it leaves unprocessed. ``clean`` holds each VM's successful run: task runs
    are immutable values, so the common one is shared rather than built again for every attempt."""
    injected = plan.injected()
    latest: dict[str, TaskResult | None] = dict.fromkeys(job.vms)
    worst: dict[str, TaskResult | None] = dict.fromkeys(job.vms)
    graded = worst if readings.recovered_status is RecoveredStatus.WORST_RUN else latest
    sticky = readings.job_failure is JobFailureStatus.STICKY
    job_failed = False
    pending = session_start(job, left_over)
    attempts: list[Attempt] = []
    chain.start_session()
    stopped = False
    stop_mode: StopMode | None = None
    status = SessionStatus.FAILED
    for attempt_number in range(1, allowed_retries(job, plan) + 2):
        limit = len(pending)
        if plan.stop is not None and plan.stop.attempt == attempt_number:
            # I.ORDER: tasks run in job order, so a stop after n tasks leaves the rest unprocessed.
            # JR.STOP.GRACEFUL: a graceful stop lets the tasks that started finish, and starts no other.
            stopped = True
            stop_mode = plan.stop.mode
            limit = min(limit, plan.stop.after_tasks)
        outcomes = injected.get(attempt_number, {})
        runs = tuple([TaskRun(vm, outcomes[vm]) if vm in outcomes else clean[vm] for vm in pending[:limit]])
        for run in runs:
            latest[run.vm] = run.result
        if graded is worst:  # the worst runs are only ever read to grade the session by them
            for run in runs:
                worst[run.vm] = _worse(worst[run.vm], run.result)
        chain.write([r.vm for r in runs if r.result.processed], number, attempt_number)
        job_failure = attempt_number in plan.job_failure_attempts
        attempts.append(Attempt(attempt_number, runs, job_failure))
        pending = unprocessed(job, latest)
        # I.JOB-FAILURE: the latest attempt's job-level result, or (reading sticky) any attempt's so far.
        job_failed = job_failure or (sticky and job_failed)
        status = session_status(
            graded,
            job_failure=job_failed,
            stopped=stop_fails(stop_mode, readings),
        )
        if not retry_needed(status, pending, stopped):
            break
    return Session(number, plan.trigger, status, tuple(attempts), stopped), frozenset(pending)


def retry_command_job(job: Job, left_over: frozenset[str]) -> Job | None:
    """JR.MANUAL-RETRY.SCOPE: a Retry run takes only what the previous session left unprocessed, as if the
    job held those VMs alone; None when it left none."""
    scope = tuple(vm for vm in job.vms if vm in left_over)
    return replace(job, vms=scope) if scope else None


def refuses_retry(previous: Session) -> bool:
    """JR.MANUAL-RETRY.ONLY-FAILED: the Retry command is refused unless the previous session ended Failed."""
    return previous.status is not SessionStatus.FAILED


def _retry_command(
    number: int,
    plan: SessionPlan,
    job: Job,
    sessions: list[Session],
    left_over: frozenset[str],
    run_session: Callable[[SessionPlan, Job], tuple[Session, frozenset[str]]],
    readings: Readings,
    chain: _Chain,
) -> tuple[Session, frozenset[str]]:
    """A session the user's Retry command asks for: refused (no attempt, nothing changes) unless the last
    session that ran ended Failed; otherwise a session over the VMs it left (I.MANUAL-RETRY.CHAIN: its
    files are its own, as any session's). I.MANUAL-RETRY.NOT-RETRIED: it gets no automatic retry, or
    (reading retry-command-retried=yes) the job's retries as a scheduled session would."""
    previous = next(s for s in reversed(sessions) if not s.refused)
    if refuses_retry(previous):
        return Session(number, plan.trigger, previous.status, (), refused=True), left_over
    scope = retry_command_job(job, left_over)
    if scope is None:
        # Nothing left but the job-level work: its one run can still fail, and the user can still stop it.
        failed = 1 in plan.job_failure_attempts
        stop = plan.stop if plan.stop is not None and plan.stop.attempt == 1 else None
        stopped = stop_fails(None if stop is None else stop.mode, readings)
        status = session_status({}, job_failure=failed, stopped=stopped)
        chain.start_session()
        chain.write([], number, 1)
        return Session(number, plan.trigger, status, (Attempt(1, (), failed),), stop is not None), left_over
    if readings.retry_command_retried is RetryCommandRetried.NO:
        return run_session(plan, scope)
    session, still_left = run_session(replace(plan, trigger=Trigger.SCHEDULED), scope)
    return replace(session, trigger=plan.trigger), still_left


def run(scenario: Scenario) -> Trace:
    """Run every planned session in order; JR.SESSION.SAME: retries stay inside their session."""
    readings = scenario.readings
    job = configured_job(scenario.job, readings)
    chain = _Chain(job.chain_format, readings.sf_file_creation is FileCreation.INITIAL_RUN)
    sessions: list[Session] = []
    left_over: frozenset[str] = frozenset()
    clean = {vm: TaskRun(vm, TaskResult.SUCCESS) for vm in job.vms}
    for number, plan in enumerate(scenario.sessions, start=1):
        if plan.trigger is Trigger.RETRY:
            session, left_over = _retry_command(
                number,
                plan,
                job,
                sessions,
                left_over,
                partial(
                    _run_session, number, chain=chain, left_over=left_over, clean=clean, readings=readings
                ),
                readings,
                chain,
            )
        else:
            session, left_over = _run_session(number, plan, job, chain, left_over, clean, readings)
        sessions.append(session)
    return related.annotate(scenario.job, Trace(tuple(sessions), tuple(chain.files)))
