"""The catalogue's rules as checks over any trace: one table from rule ID to the function that checks it.

``judge(scenario, trace)`` reads the observed trace once into ``Facts`` (what each run
did, and what the page then called for, worked out from the trace's own task results),
then runs every check of ``CHECKS``; each check yields violations of its own rule only,
so a rule's check is easy to find and to test alone. Each decision is judged from the
state the trace itself shows at that point, so one early mistake of a target is reported
once instead of cascading.

The judge shares no code with the reference engine it judges: it works out a session's
status, what a retry must run and whether one must follow on its own. It also never
judges what the page leaves free: the order of tasks inside a run (only a stop "after n
tasks" says which n finished), the order of files and restore points, and file ids.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar, overload

from retrykit.reference.model import (
    BackupFile,
    BackupKind,
    ChainFormat,
    Job,
    ManualStop,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    StopMode,
    TaskResult,
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

JOB_WIDE = 0
"""The ``session`` of a violation about the job as a whole or its backup chain."""


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    expected: str
    observed: str
    session: int = JOB_WIDE
    """The session the violation is about, so a scenario's expectation about that session can be laid at
    the rules its trace broke there."""

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: expected {self.expected}; observed {self.observed}"


def _names(vms: list[str] | tuple[str, ...]) -> str:
    return ", ".join(vms) if vms else "no VM"


def rolled_up_status(
    latest: Mapping[str, TaskResult | None], *, job_failure: bool, stopped: bool
) -> SessionStatus:
    """The status a session stands at, from each task's latest result in it (None: not run yet).

    JR.STATUS.FAILED: a task left unprocessed fails it; JR.STATUS.RECOVERED: otherwise the worst latest
    result decides; JR.STOP.STATUS and JR.JOB-FAILURE: a stop, or a job-level error of the latest run,
    fails it as well.
    """
    results = set(latest.values())
    if stopped or job_failure or None in results or TaskResult.FAILED in results:
        return SessionStatus.FAILED
    return SessionStatus.WARNING if TaskResult.WARNING in results else SessionStatus.SUCCESS


def count_rule(job: Job) -> str:
    """Which catalogue rule governs the number of retries of this job."""
    if not job.retry.enabled or job.retry.count == 0:
        return "JR.COUNT.ZERO"
    return "JR.COUNT.DEFAULT" if job.retry.count is None else "JR.COUNT.CUSTOM"


def refused_setting(scenario: Scenario) -> str | None:
    """The setting of ``scenario`` that its readings say a product refuses (JR.COUNT.ZERO read as
    ``rejected``), so the right answer is 'skipped' and not a trace; None when it has none."""
    if scenario.job.retry.count == 0 and scenario.readings.retry_count_zero is ZeroRetries.REJECTED:
        return "a retry count of 0 (reading retry-count-zero=rejected)"
    return None


def judge_refusal(scenario: Scenario, reason: str) -> list[Violation] | None:
    """What a target's answering 'skipped' to ``scenario`` breaks: nothing when its readings refuse the
    setting too; JR.COUNT.ZERO when it refuses a retry count of 0 that its readings accept; None when the
    refusal is no rule's matter (a skipped scenario, graded as such)."""
    if refused_setting(scenario) is not None:
        return []
    job = scenario.job
    if job.retry.enabled and job.retry.count == 0:
        reading = scenario.readings.retry_count_zero.value
        return [
            Violation(
                "JR.COUNT.ZERO",
                "the job's retry settings",
                f"a retry count of 0 to be run (reading retry-count-zero={reading})",
                f"the target refused it: {reason}",
            )
        ]
    return None


def check_zero_refused(facts: Facts) -> Iterator[Violation]:
    """JR.COUNT.ZERO read as ``rejected``: a job with a retry count of 0 is refused, so any trace of it
    breaks the reading."""
    if refused_setting(facts.scenario) is not None:
        yield Violation(
            "JR.COUNT.ZERO",
            "the job's retry settings",
            "the target to refuse a retry count of 0 (answer 'skipped'): reading retry-count-zero=rejected",
            f"a trace of {len(facts.trace.sessions)} session(s)",
        )


def _allowed_retries(job: Job, readings: Readings = DEFAULT_READINGS) -> int:
    """JR.COUNT.*; JR.COUNT.ZERO under its reading: a count of 0 is no retries, or the default's 3."""
    if not job.retry.enabled:
        return 0
    if job.retry.count is None or (
        job.retry.count == 0 and readings.retry_count_zero is ZeroRetries.DEFAULT_COUNT
    ):
        return 3
    return job.retry.count


def _stop_fails(stop: ManualStop | None, readings: Readings) -> bool:
    """JR.STOP.IMMEDIATE: an immediate stop fails the session. JR.STOP.STATUS: so does a graceful one
    under the reading ``failed``; under ``from-tasks`` its tasks decide."""
    if stop is None:
        return False
    return stop.mode is StopMode.IMMEDIATE or readings.graceful_stop_status is GracefulStopStatus.FAILED


_SEVERITY = {TaskResult.SUCCESS: 0, TaskResult.WARNING: 1, TaskResult.FAILED: 2}


def _unprocessed(job: Job, latest: Mapping[str, TaskResult | None]) -> list[str]:
    """Failed or never-run tasks, in job order: what a retry must take (JR.SCOPE.FAILED-ONLY)."""
    return [vm for vm in job.vms if latest[vm] is None or latest[vm] is TaskResult.FAILED]


# --- facts: what the trace shows, and what the page called for at each point ---------------------------
# Decision, RunFacts and SessionFacts are named tuples: as immutable as a frozen dataclass, and a quarter
# of the cost to build (a judgement builds several per attempt).


class Decision(NamedTuple):
    """After ``attempt`` of a session: what the session stood at, and whether another attempt followed."""

    session: int
    attempt: int
    trigger: Trigger
    stopped: bool
    status: SessionStatus
    pending: tuple[str, ...]
    retried: bool


class RunFacts(NamedTuple):
    """One observed attempt beside the tasks the page called for, given what the trace showed before it."""

    session: int
    attempt: int
    first: bool
    stop_here: bool
    expected: tuple[str, ...]
    observed: tuple[str, ...]
    carried: frozenset[str]
    """VMs the previous session left unprocessed."""
    warned: frozenset[str]
    """VMs that already ended with a warning earlier in the session."""
    fits: bool
    """The run took the tasks the page calls for, in whatever order."""
    retry_command: bool = False
    """The run belongs to a session of the user's Retry command."""
    graceful: bool = False
    """The user stops the session gracefully during this run."""


class SessionFacts(NamedTuple):
    session: Session
    runs: tuple[RunFacts, ...]
    decisions: tuple[Decision, ...]
    judged_to_end: bool
    """False when a forbidden retry cut the judgement short: what follows it is not judged again."""
    status: SessionStatus
    stopped: bool
    pending: tuple[str, ...]
    graceful: bool = False
    """The user stopped the session gracefully."""
    job_failure: bool = False
    """A job-level error stands against the session at its end (JR.JOB-FAILURE, under its reading)."""
    before_first: bool = False
    """The user stopped the session gracefully before its first VM started."""
    forbidding: tuple[str | None, ...] = ()
    """For each decision, the rule that forbids a retry after it (forbidden_by)."""


_T = TypeVar("_T")


class _once(Generic[_T]):
    """functools.cached_property without the lock Python 3.11 takes on each first access, which costs more
    than most of what Facts works out (a judgement is one thread's)."""

    def __init__(self, compute: Callable[[Facts], _T]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, facts: None, owner: type) -> _once[_T]: ...

    @overload
    def __get__(self, facts: Facts, owner: type) -> _T: ...

    def __get__(self, facts: Facts | None, owner: type) -> _T | _once[_T]:
        if facts is None:
            return self
        value = facts.__dict__[self._name] = self._compute(facts)  # read from there from now on
        return value


@dataclass(frozen=True)
class Facts:
    scenario: Scenario
    trace: Trace
    sessions: tuple[SessionFacts, ...]

    @_once
    def forbidding(self) -> tuple[tuple[Decision, str | None], ...]:
        """Each decision with the rule that forbids a retry after it (forbidden_by): worked out once, not
        once per retry rule's check."""
        return tuple(pair for s in self.sessions for pair in zip(s.decisions, s.forbidding, strict=True))

    @_once
    def by_family(self) -> dict[Callable[[Facts], Iterator[Violation]], dict[str, list[Violation]]]:
        """The violations each family of checks found (see Share), by rule, once worked out."""
        return {}

    @_once
    def written(self) -> dict[tuple[int, int, str], int]:
        """How many restore points the chain holds of each run of each VM: (session, attempt, VM). A dict
        counted by hand: building a Counter costs more than the count, for the few points of a trace."""
        count: dict[tuple[int, int, str], int] = {}
        for file in self.trace.files:
            for p in file.restore_points:
                key = (p.session, p.attempt, p.vm)
                count[key] = count.get(key, 0) + 1
        return count

    @_once
    def processed(self) -> set[tuple[int, int, str]]:
        """The runs that processed their VM: (session, attempt, VM)."""
        return {
            (s.number, a.number, t.vm)
            for s in self.trace.sessions
            for a in s.attempts
            for t in a.tasks
            if t.result is not TaskResult.FAILED
        }

    @_once
    def single_files(self) -> tuple[tuple[Session, list[BackupFile]], ...]:
        """Each session of a single-file chain with the files it created, in chain order; none for a
        per-machine chain."""
        if self.scenario.job.chain_format is not ChainFormat.SINGLE_FILE:
            return ()
        by_session: dict[int, list[BackupFile]] = defaultdict(list)
        for file in _chain_order(self.trace.files):
            by_session[file.session].append(file)
        return tuple((session, by_session.get(session.number, [])) for session in self.trace.sessions)

    @_once
    def retry_sessions(self) -> set[int]:
        """The numbers of the sessions the user's Retry command started."""
        return {n for n, plan in enumerate(self.scenario.sessions, start=1) if plan.trigger is Trigger.RETRY}


def forbidden_by(job: Job, decision: Decision, readings: Readings = DEFAULT_READINGS) -> str | None:
    """The rule that forbids a retry after this decision's attempt, or None when the page calls for one.

    The order is the precedence a reader expects: who started or stopped the session first, then what
    the session stood at, then how many retries the job allows.
    """
    if decision.trigger is Trigger.RETRY and readings.retry_command_retried is RetryCommandRetried.NO:
        return "JR.MANUAL-RETRY.NOT-RETRIED"
    if decision.trigger is Trigger.MANUAL:
        return "JR.MANUAL.START"
    if decision.stopped:
        return "JR.MANUAL.STOP"
    if decision.status is not SessionStatus.FAILED:
        return "JR.WHEN.NOT-SUCCESS-WARNING"
    if not decision.pending:
        return "JR.WHEN.FAILED-UNPROCESSED"
    if decision.attempt >= 1 + _allowed_retries(job, readings):
        return count_rule(job)
    return None


def _session_facts(
    job: Job, plan: SessionPlan, session: Session, carried: frozenset[str], readings: Readings
) -> SessionFacts:
    if session.refused:
        return SessionFacts(session, (), (), True, session.status, False, ())
    latest: dict[str, TaskResult | None] = dict.fromkeys(job.vms)
    expected: list[str] = list(job.vms)
    retry_command = plan.trigger is Trigger.RETRY
    if retry_command:
        # JR.MANUAL-RETRY.SCOPE: a Retry takes what the previous session left; the rest stands processed.
        latest = {vm: None if vm in carried else TaskResult.SUCCESS for vm in job.vms}
        expected = [vm for vm in job.vms if vm in carried]
    stopped = False
    status = SessionStatus.FAILED
    runs: list[RunFacts] = []
    decisions: list[Decision] = []
    judged_to_end = True
    # JR.STATUS.RECOVERED under its reading: each task's latest result, or the worst of its runs.
    worst: dict[str, TaskResult | None] = dict(latest)
    graded = worst if readings.recovered_status is RecoveredStatus.WORST_RUN else latest
    job_failed = False
    stop_fails = False
    sticky = readings.job_failure is JobFailureStatus.STICKY
    forbidding: list[str | None] = []
    for index, attempt in enumerate(session.attempts):
        if index > 0 and forbidding[-1] is not None:
            judged_to_end = False
            break
        stop_here = plan.stop is not None and plan.stop.attempt == attempt.number
        if stop_here and plan.stop is not None:
            # JR.STOP.GRACEFUL: a graceful stop lands while after_tasks have started; they all finish.
            expected = expected[: plan.stop.after_tasks]
            stopped = True
            stop_fails = _stop_fails(plan.stop, readings)
        warned = frozenset([vm for vm, result in latest.items() if result is TaskResult.WARNING])
        observed = tuple([t.vm for t in attempt.tasks])
        called_for = tuple(expected)
        fits = observed == called_for or Counter(observed) == Counter(called_for)
        runs.append(
            RunFacts(
                session.number,
                attempt.number,
                index == 0,
                stop_here,
                called_for,
                observed,
                carried,
                warned,
                fits,
                retry_command,
                graceful=stop_here and plan.stop is not None and plan.stop.mode is StopMode.GRACEFUL,
            )
        )
        for task in attempt.tasks:
            latest[task.vm] = task.result
        if graded is worst:  # the worst runs are only ever read to grade the session by them
            for task in attempt.tasks:
                before = worst[task.vm]
                if before is None or _SEVERITY[task.result] > _SEVERITY[before]:
                    worst[task.vm] = task.result
        expected = _unprocessed(job, latest)
        # JR.JOB-FAILURE under its reading: the latest run's job-level result, or any run's so far.
        job_failed = attempt.job_failure or (sticky and job_failed)
        status = rolled_up_status(graded, job_failure=job_failed, stopped=stop_fails)
        decision = Decision(
            session.number,
            attempt.number,
            plan.trigger,
            stopped,
            status,
            tuple(expected),
            index + 1 < len(session.attempts),
        )
        decisions.append(decision)
        forbidding.append(forbidden_by(job, decision, readings))
    return SessionFacts(
        session,
        tuple(runs),
        tuple(decisions),
        judged_to_end,
        status,
        stopped,
        tuple(expected),
        graceful=plan.stop is not None and stopped and plan.stop.mode is StopMode.GRACEFUL,
        job_failure=job_failed,
        before_first=plan.stop is not None
        and stopped
        and plan.stop.mode is StopMode.GRACEFUL
        and (plan.stop.attempt, plan.stop.after_tasks) == (1, 0),
        forbidding=tuple(forbidding),
    )


def analyse(scenario: Scenario, trace: Trace) -> Facts:
    job = scenario.job
    sessions = []
    carried: frozenset[str] = frozenset()
    for plan, session in zip(scenario.sessions, trace.sessions, strict=False):
        judged = _session_facts(job, plan, session, carried, scenario.readings)
        sessions.append(judged)
        if session.refused:
            continue
        if judged.judged_to_end:  # its facts took in every attempt: what it left is what they end pending
            carried = frozenset(judged.pending)
            continue
        latest: dict[str, TaskResult | None] = dict.fromkeys(job.vms)
        if plan.trigger is Trigger.RETRY:
            latest = {vm: None if vm in carried else TaskResult.SUCCESS for vm in job.vms}
        for attempt in session.attempts:
            for task in attempt.tasks:
                latest[task.vm] = task.result
        carried = frozenset(_unprocessed(job, latest))
    return Facts(scenario, trace, tuple(sessions))


# --- checks: one per rule -------------------------------------------------------------------------------

Check = Callable[[Facts], Iterator[Violation]]


@dataclass(frozen=True)
class Share:
    """The check of ``rule`` in a family. A family judges decisions of one kind (whether a retry follows,
    which tasks a run takes, a session's status...) and lays each wrong one at the one rule at fault: it
    runs once per judgement, not once per rule, and each rule's check takes its own share, in the
    family's order."""

    family: Check
    rule: str
    doc: str

    def __call__(self, facts: Facts) -> Iterator[Violation]:
        found = facts.by_family.get(self.family)
        if found is None:
            found = facts.by_family[self.family] = _by_rule(self.family(facts))
        return iter(found.get(self.rule, ()))


def _by_rule(violations: Iterator[Violation]) -> dict[str, list[Violation]]:
    found: dict[str, list[Violation]] = {}
    for violation in violations:
        found.setdefault(violation.rule, []).append(violation)
    return found


def check_session_count(facts: Facts) -> Iterator[Violation]:
    """JR.SESSION.SAME: retries stay inside their session, so the trace has exactly the planned sessions."""
    planned, observed = len(facts.scenario.sessions), len(facts.trace.sessions)
    if planned != observed:
        yield Violation(
            "JR.SESSION.SAME",
            "the job",
            f"{planned} session(s), retries inside them",
            f"{observed} session(s)",
        )


def _decisions(facts: Facts) -> Iterator[Decision]:
    for session in facts.sessions:
        yield from session.decisions


def _missing_retry_rule(job: Job, decision: Decision) -> str:
    """A retry owed by a count of 0 read as the default is owed by JR.COUNT.ZERO's reading, and one owed
    by a Retry-command session by JR.MANUAL-RETRY.NOT-RETRIED's."""
    if decision.trigger is Trigger.RETRY:
        return "JR.MANUAL-RETRY.NOT-RETRIED"
    if decision.attempt == 1 and count_rule(job) != "JR.COUNT.ZERO":
        return "JR.RETRY.AUTOMATIC"
    return count_rule(job)


def _retry_decisions(facts: Facts) -> Iterator[Violation]:
    """Whether a retry follows each run: a retry that ran though a rule forbids it, laid at that rule, or
    a retry the page called for that never came, laid at the rule that calls for it."""
    job, readings = facts.scenario.job, facts.scenario.readings
    for decision, forbidding in facts.forbidding:
        if decision.retried == (forbidding is None):
            continue
        where = f"session {decision.session}, after attempt {decision.attempt}"
        if forbidding is not None:
            yield Violation(
                forbidding,
                where,
                f"no retry after attempt {decision.attempt}",
                "a retry ran",
                decision.session,
            )
        else:
            yield Violation(
                _missing_retry_rule(job, decision),
                where,
                f"a retry of {_names(decision.pending)} "
                f"(retry {decision.attempt} of {_allowed_retries(job, readings)})",
                "no further attempt",
                decision.session,
            )


def retry_check(rule: str) -> Check:
    """The check of a rule that decides whether a retry follows: a retry it forbids that ran, or (for the
    rules that call for retries) a retry the page called for that never came."""
    return Share(_retry_decisions, rule, f"{rule}: whether a retry follows each run.")


def task_set_rule(chain_format: ChainFormat, run: RunFacts) -> str:
    """The rule a run breaks by taking other tasks than the page calls for."""
    if run.stop_here and run.graceful and len(run.observed) != len(run.expected):
        return "JR.STOP.GRACEFUL"
    if run.stop_here:
        return "JR.ORDER"
    if run.first and run.retry_command:
        return "JR.MANUAL-RETRY.SCOPE"
    if run.first:
        missing = set((Counter(run.expected) - Counter(run.observed)).elements())
        if missing & run.carried:
            return "JR.PM.NEXT-SESSION" if chain_format is ChainFormat.PER_MACHINE else "JR.SF.NEXT-SESSION"
        return "JR.SESSION.ALL-VMS"
    extra = set((Counter(run.observed) - Counter(run.expected)).elements())
    return "JR.WARNING.PROCESSED" if extra & run.warned else "JR.SCOPE.FAILED-ONLY"


def _task_sets(facts: Facts) -> Iterator[Violation]:
    """Which tasks each run takes, each run that takes others laid at the rule at fault (task_set_rule)."""
    chain_format = facts.scenario.job.chain_format
    for session in facts.sessions:
        for run in session.runs:
            if run.fits:
                continue
            missing = sorted((Counter(run.expected) - Counter(run.observed)).elements())
            extra = sorted((Counter(run.observed) - Counter(run.expected)).elements())
            detail = [f"missing {_names(missing)}"] if missing else []
            detail += [f"also ran {_names(extra)}"] if extra else []
            yield Violation(
                task_set_rule(chain_format, run),
                f"session {run.session}, attempt {run.attempt}",
                f"tasks {_names(run.expected)}",
                f"tasks {_names(run.observed)} ({'; '.join(detail)})",
                run.session,
            )


def task_set_check(rule: str) -> Check:
    """The check of a rule that says which tasks a run takes; their order is the target's own business."""
    return Share(_task_sets, rule, f"{rule}: which tasks each run takes.")


def status_rule(
    expected: SessionStatus,
    unprocessed: tuple[str, ...],
    stopped: bool,
    *,
    graceful: bool = False,
    job_failure: bool = False,
    before_first: bool = False,
    graded_by_tasks: bool = False,
) -> str:
    """The rule that fixes a session's final status. A stopped session's is the stop's: Failed after an
    immediate stop, or a graceful stop that left work undone (Manual Stop of Backup Jobs); after a graceful
    stop that left none, the reading of JR.STOP.STATUS, unless that reading grades it by its tasks
    (``graded_by_tasks``: from-tasks, and a run failed or reported a job-level error), when the rules that
    grade any session do."""
    if stopped and not graceful:
        return "JR.STOP.IMMEDIATE"
    if before_first:
        return "JR.STOP.GRACEFUL.BEFORE-FIRST"
    if stopped and (unprocessed or not graded_by_tasks):
        return "JR.STOP.GRACEFUL" if unprocessed else "JR.STOP.STATUS"
    if expected is not SessionStatus.FAILED:
        return "JR.JOB-FAILURE" if job_failure else "JR.STATUS.RECOVERED"
    if unprocessed:
        return "JR.STATUS.FAILED"
    return "JR.JOB-FAILURE" if job_failure else "JR.STATUS.RECOVERED"


def _had_failed_run(session: Session) -> bool:
    return any(t.result is TaskResult.FAILED for a in session.attempts for t in a.tasks)


def _had_job_failure(session: Session) -> bool:
    """A run of the session reported a job-level error: a session that should have recovered but ends
    Failed is laid at JR.JOB-FAILURE's reading, not at JR.STATUS.RECOVERED's."""
    return any(a.job_failure for a in session.attempts)


def _statuses(facts: Facts) -> Iterator[Violation]:
    """Each session's final status, each wrong one laid at the rule at fault (status_rule)."""
    for session in facts.sessions:
        if not session.judged_to_end or session.session.status is session.status:
            continue
        yield Violation(
            status_rule(
                session.status,
                session.pending,
                session.stopped,
                graceful=session.graceful,
                job_failure=session.job_failure
                or (session.status is not SessionStatus.FAILED and _had_job_failure(session.session)),
                before_first=session.before_first,
                graded_by_tasks=facts.scenario.readings.graceful_stop_status is GracefulStopStatus.FROM_TASKS
                and (_had_job_failure(session.session) or _had_failed_run(session.session)),
            ),
            f"session {session.session.number}",
            session.status.value,
            session.session.status.value,
            session.session.number,
        )


def status_check(rule: str) -> Check:
    """The check of a rule that fixes a session's final status."""
    return Share(_statuses, rule, f"{rule}: each session's final status.")


def check_stopped_flag(facts: Facts) -> Iterator[Violation]:
    """JR.STOP.STATUS: a session the user stopped says so, and only such a session."""
    for session in facts.sessions:
        if session.judged_to_end and session.session.stopped_manually != session.stopped:
            yield Violation(
                "JR.STOP.STATUS",
                f"session {session.session.number}",
                f"stopped_manually={session.stopped}",
                f"stopped_manually={session.session.stopped_manually}",
                session.session.number,
            )


def _chain_rule(job: Job, per_machine: str, single_file: str) -> str:
    return per_machine if job.chain_format is ChainFormat.PER_MACHINE else single_file


def check_point_per_processed_task(facts: Facts) -> Iterator[Violation]:
    """JR.PM.FILE-PER-VM / JR.SF.ONE-FILE-PER-SESSION: every processed task leaves exactly one restore
    point in the chain."""
    rule = _chain_rule(facts.scenario.job, "JR.PM.FILE-PER-VM", "JR.SF.ONE-FILE-PER-SESSION")
    written = facts.written
    for key in sorted(k for k in facts.processed if written.get(k) != 1):
        yield Violation(
            rule,
            f"session {key[0]}, attempt {key[1]}, {key[2]}",
            "one restore point for the processed VM",
            f"{written.get(key, 0)} restore point(s)",
            key[0],
        )


def check_no_point_without_processing(facts: Facts) -> Iterator[Violation]:
    """JR.PM.ONLY-PROCESSED / JR.SF.ONLY-PROCESSED: no restore point for a run that did not process it."""
    rule = _chain_rule(facts.scenario.job, "JR.PM.ONLY-PROCESSED", "JR.SF.ONLY-PROCESSED")
    written = facts.written
    for key in sorted(set(written) - facts.processed):
        yield Violation(
            rule,
            f"session {key[0]}, attempt {key[1]}, {key[2]}",
            "no restore point: the VM was not processed there",
            f"{written[key]} restore point(s)",
            key[0],
        )


def _chain_order(files: tuple[BackupFile, ...]) -> list[BackupFile]:
    """Files in the order their runs created them; the trace may list them in any order."""
    return sorted(files, key=lambda f: (f.session, f.attempt))


def check_full_first(facts: Facts) -> Iterator[Violation]:
    """JR.CHAIN.FULL-FIRST: a VM's first restore point is full and later ones incremental; a per-machine
    file takes its point's kind, a single-file chain's first file is full and later ones incremental."""
    rule = "JR.CHAIN.FULL-FIRST"
    seen: set[str] = set()
    points = sorted(
        (p for f in facts.trace.files for p in f.restore_points), key=lambda p: (p.session, p.attempt)
    )
    for point in points:
        expected = BackupKind.INCREMENTAL if point.vm in seen else BackupKind.FULL
        if point.kind is not expected:
            yield Violation(
                rule,
                f"session {point.session}, attempt {point.attempt}, {point.vm}",
                f"a {expected.value} restore point",
                f"a {point.kind.value} restore point",
                point.session,
            )
        seen.add(point.vm)
    files = facts.trace.files
    if facts.scenario.job.chain_format is ChainFormat.PER_MACHINE:
        for file in files:
            if len(file.restore_points) == 1 and file.kind is not file.restore_points[0].kind:
                yield Violation(
                    rule,
                    _file_where(file),
                    f"a {file.restore_points[0].kind.value} file",
                    f"a {file.kind.value} file",
                    file.session,
                )
        return
    for position, file in enumerate(_chain_order(files)):
        expected = BackupKind.FULL if position == 0 else BackupKind.INCREMENTAL
        if file.kind is not expected:
            yield Violation(
                rule,
                f"{_file_where(file)}, file {position + 1} of the chain",
                f"a {expected.value} file",
                f"a {file.kind.value} file",
                file.session,
            )


def _file_where(file: BackupFile) -> str:
    return f"file {file.id!r} (created by session {file.session}, attempt {file.attempt})"


def _per_machine_file_rule(file: BackupFile) -> str | None:
    """The per-machine rule a file breaks by what it holds or by the run it names as its creator."""
    if not file.restore_points:
        return "JR.PM.ONLY-PROCESSED"
    foreign = [p for p in file.restore_points if (p.session, p.attempt) != (file.session, file.attempt)]
    if any(p.attempt > 1 for p in foreign):
        return "JR.PM.RETRY-NEW-FILES"
    if any(p.session != file.session for p in foreign):
        return "JR.PM.NEXT-SESSION"
    return "JR.PM.FILE-PER-VM" if foreign or len(file.restore_points) > 1 else None


def _per_machine_files(facts: Facts) -> Iterator[Violation]:
    """What each per-machine file holds, each wrong one laid at the rule at fault (_per_machine_file_rule)."""
    if facts.scenario.job.chain_format is not ChainFormat.PER_MACHINE:
        return
    for file in facts.trace.files:
        rule = _per_machine_file_rule(file)
        if rule is None:
            continue
        points = ", ".join(f"{p.vm} (session {p.session}, attempt {p.attempt})" for p in file.restore_points)
        yield Violation(
            rule,
            _file_where(file),
            "the restore point of exactly one VM, written by the run that created the file",
            points or "no restore point",
            file.session,
        )


def per_machine_file_check(rule: str) -> Check:
    """The check of a per-machine rule about single files: one VM each, in a file of the run that wrote it."""
    return Share(_per_machine_files, rule, f"{rule}: what each per-machine file holds.")


def _one_file_rule(files: list[BackupFile]) -> str:
    late = [f for f in files if f.attempt > files[0].attempt]
    return "JR.SF.RETRY-SAME-FILE" if late else "JR.SF.ONE-FILE-PER-SESSION"


def _one_file_per_session(facts: Facts) -> Iterator[Violation]:
    """Each single-file session with more than one file, laid at the rule at fault (_one_file_rule)."""
    for session, files in facts.single_files:
        if len(files) > 1:
            yield Violation(
                _one_file_rule(files),
                f"session {session.number}",
                "one backup file",
                f"{len(files)} files: {_names([f.id for f in files])}",
                session.number,
            )


def one_file_check(rule: str) -> Check:
    """The check of a single-file rule that allows one file per session: a retry adds to it."""
    return Share(_one_file_per_session, rule, f"{rule}: one file per session.")


def check_file_creation(facts: Facts) -> Iterator[Violation]:
    """JR.SF.FILE-CREATION: a session's file is created by its first run that processes a VM, or (reading
    initial-run) by its initial run, even empty."""
    if facts.scenario.readings.sf_file_creation is FileCreation.INITIAL_RUN:
        yield from _file_at_initial_run(facts)
        return
    for session, files in facts.single_files:
        first_with_data = next(
            (a.number for a in session.attempts if any(t.result is not TaskResult.FAILED for t in a.tasks)),
            None,
        )
        if files and files[0].attempt != first_with_data:
            yield Violation(
                "JR.SF.FILE-CREATION",
                f"session {session.number}",
                "the file created by the first attempt that processed a VM"
                if first_with_data
                else "no file: no VM was processed",
                f"file {files[0].id!r} created by attempt {files[0].attempt}",
                session.number,
            )


def _file_at_initial_run(facts: Facts) -> Iterator[Violation]:
    for session, files in facts.single_files:
        ran = any(a.number == 1 for a in session.attempts)
        if ran and (not files or files[0].attempt != 1):
            yield Violation(
                "JR.SF.FILE-CREATION",
                f"session {session.number}",
                "the file created by the initial run (attempt 1)",
                f"file {files[0].id!r} created by attempt {files[0].attempt}" if files else "no file",
                session.number,
            )


def check_points_of_own_session(facts: Facts) -> Iterator[Violation]:
    """JR.SF.NEXT-SESSION: a session's file holds only what that session wrote (what a Retry wrote is
    JR.MANUAL-RETRY.CHAIN's)."""
    retries = facts.retry_sessions
    for session, files in facts.single_files:
        for file in files:
            for point in file.restore_points:
                if point.session != session.number and point.session not in retries:
                    yield Violation(
                        "JR.SF.NEXT-SESSION",
                        f"file {file.id!r}",
                        f"only restore points written by session {session.number}",
                        f"{point.vm} written by session {point.session}, attempt {point.attempt}",
                        session.number,
                    )


def for_format(chain_format: ChainFormat, check: Check) -> Check:
    """A check shared by both chain formats, run only for jobs of one, so it reports that format's rule."""

    def only(facts: Facts) -> Iterator[Violation]:
        if facts.scenario.job.chain_format is chain_format:
            yield from check(facts)

    return only


@dataclass(frozen=True)
class _All:
    """Several checks of one rule, their violations in the order given."""

    checks: tuple[Check, ...]

    def __call__(self, facts: Facts) -> Iterator[Violation]:
        for one in self.checks:
            yield from one(facts)


def _all(*checks: Check) -> Check:
    return _All(checks)


# --- the related pages' rules ---------------------------------------------------------------------------

CONTINUOUS_SLACK_MINUTES = 1.0
"""On a continuous schedule a retry follows "without any time intervals"; a product needs seconds to set
one up, so a gap under a minute is no interval."""
_EPSILON = 1e-9


def _gaps(facts: Facts) -> Iterator[tuple[Session, float, float, int]]:
    """For each retry with times: its session, the previous attempt's end, its start, its number."""
    for session in facts.trace.sessions:
        for before, after in itertools.pairwise(session.attempts):
            if before.ended_at is not None and after.started_at is not None:
                yield session, before.ended_at, after.started_at, after.number


def check_wait_between(facts: Facts) -> Iterator[Violation]:
    """JR.WAIT.BETWEEN: without a continuous schedule, a retry starts no sooner than the wait after the
    previous attempt ended (no sooner than that end when no wait is stated)."""
    job = facts.scenario.job
    if job.continuous_schedule:
        return
    wait = job.retry.wait_minutes or 0
    for session, ended, started, number in _gaps(facts):
        if started + _EPSILON < ended + wait:
            yield Violation(
                "JR.WAIT.BETWEEN",
                f"session {session.number}, attempt {number}",
                f"a start at minute {ended + wait:g} or later ({wait} minute(s) after attempt {number - 1} "
                f"ended at minute {ended:g})",
                f"a start at minute {started:g}",
                session.number,
            )


def check_wait_continuous(facts: Facts) -> Iterator[Violation]:
    """JR.WAIT.CONTINUOUS: on a continuous schedule a retry follows the previous attempt without a wait."""
    if not facts.scenario.job.continuous_schedule:
        return
    for session, ended, started, number in _gaps(facts):
        if not ended - _EPSILON <= started < ended + CONTINUOUS_SLACK_MINUTES:
            yield Violation(
                "JR.WAIT.CONTINUOUS",
                f"session {session.number}, attempt {number}",
                f"a start within a minute of minute {ended:g}, when attempt {number - 1} ended",
                f"a start at minute {started:g}",
                session.number,
            )


def check_retry_refusal(facts: Facts) -> Iterator[Violation]:
    """JR.MANUAL-RETRY.ONLY-FAILED: a Retry is refused after a session that did not end Failed, and carried
    out after one that did."""
    previous: Session | None = None
    for plan, session in zip(facts.scenario.sessions, facts.trace.sessions, strict=False):
        if plan.trigger is Trigger.RETRY and previous is not None:
            refuse = previous.status is not SessionStatus.FAILED
            if session.refused != refuse:
                yield Violation(
                    "JR.MANUAL-RETRY.ONLY-FAILED",
                    f"session {session.number} (a Retry after session {previous.number}, "
                    f"which ended {previous.status.value})",
                    "the Retry refused" if refuse else "the Retry carried out",
                    "it was refused" if session.refused else "it ran",
                    session.number,
                )
        if not session.refused:
            previous = session


def check_retry_chain(facts: Facts) -> Iterator[Violation]:
    """JR.MANUAL-RETRY.CHAIN: what a Retry writes goes to files it creates itself."""
    retries = facts.retry_sessions
    for file in facts.trace.files:
        for point in file.restore_points:
            if point.session in retries and file.session != point.session:
                yield Violation(
                    "JR.MANUAL-RETRY.CHAIN",
                    _file_where(file),
                    f"{point.vm}'s restore point of the Retry (session {point.session}) in a file it created",
                    f"in a file of session {file.session}",
                    point.session,
                )


def _ran(facts: Facts) -> Iterator[Session]:
    yield from (s for s in facts.trace.sessions if s.attempts)


def _notified(session: Session) -> str:
    shown = [f"{n.status.value} after attempt {n.after_attempt}" for n in session.notifications]
    return ", ".join(shown) or "no notification"


def check_notify_suppressed(facts: Facts) -> Iterator[Violation]:
    """JR.NOTIFY.SUPPRESSED: with notifications suppressed until the last retry, a session sends exactly one
    notification, after its last attempt, of its final status."""
    setting = facts.scenario.job.notifications
    if setting is None or not setting.suppress_until_last_retry:
        return
    for session in _ran(facts):
        expected = [(session.attempts[-1].number, session.status)]
        if [(n.after_attempt, n.status) for n in session.notifications] != expected:
            yield Violation(
                "JR.NOTIFY.SUPPRESSED",
                f"session {session.number}",
                f"one notification: {session.status.value} after attempt {expected[0][0]}",
                _notified(session),
                session.number,
            )


def _per_attempt(rule: str, facts: Facts, attempts: Callable[[Session], list[int]]) -> Iterator[Violation]:
    """Without suppression: exactly one notification after each of ``attempts``, with the status the
    session stood at then (its final status after the last)."""
    setting = facts.scenario.job.notifications
    if setting is None or setting.suppress_until_last_retry:
        return
    standing = {(d.session, d.attempt): d.status for d in _decisions(facts)}
    for session in _ran(facts):
        last = session.attempts[-1].number
        for number in attempts(session):
            status = session.status if number == last else standing.get((session.number, number))
            sent = [n for n in session.notifications if n.after_attempt == number]
            if len(sent) != 1 or (status is not None and sent[0].status is not status):
                yield Violation(
                    rule,
                    f"session {session.number}, after attempt {number}",
                    f"one notification{f' of status {status.value}' if status else ''}",
                    _notified(session),
                    session.number,
                )


def check_notify_every_retry(facts: Facts) -> Iterator[Violation]:
    """JR.NOTIFY.EVERY-RETRY: without suppression, every retry sends a notification; none is sent for an
    attempt that did not run."""
    yield from _per_attempt("JR.NOTIFY.EVERY-RETRY", facts, lambda s: [a.number for a in s.attempts[1:]])
    if facts.scenario.job.notifications is None:
        return
    for session in _ran(facts):
        ran = {a.number for a in session.attempts}
        for stray in sorted({n.after_attempt for n in session.notifications} - ran):
            yield Violation(
                "JR.NOTIFY.EVERY-RETRY",
                f"session {session.number}",
                f"notifications only after attempts that ran (1 to {max(ran)})",
                f"one after attempt {stray}, which did not run",
                session.number,
            )


def check_notify_initial_run(facts: Facts) -> Iterator[Violation]:
    """JR.NOTIFY.INITIAL-RUN: without suppression, the initial run sends a notification as well."""
    yield from _per_attempt("JR.NOTIFY.INITIAL-RUN", facts, lambda s: [s.attempts[0].number])


def once_after_last(
    rule: str, configured: Callable[[Job], bool], ran: Callable[[Session], tuple[int, ...]], what: str
) -> Check:
    """The check of a rule that runs something once per session, after its last attempt."""

    def check(facts: Facts) -> Iterator[Violation]:
        if not configured(facts.scenario.job):
            return
        for session in _ran(facts):
            last = session.attempts[-1].number
            if ran(session) != (last,):
                shown = ", ".join(f"attempt {a}" for a in ran(session))
                yield Violation(
                    rule,
                    f"session {session.number}",
                    f"{what} once, after attempt {last} (the session's last)",
                    f"after {shown}" if shown else "never",
                    session.number,
                )

    check.__doc__ = f"{rule}: {what} once per session, after its last attempt."
    return check


CHECKS: dict[str, Check] = {
    "JR.SESSION.SAME": check_session_count,
    "JR.RETRY.AUTOMATIC": retry_check("JR.RETRY.AUTOMATIC"),
    "JR.COUNT.DEFAULT": retry_check("JR.COUNT.DEFAULT"),
    "JR.COUNT.CUSTOM": retry_check("JR.COUNT.CUSTOM"),
    "JR.COUNT.ZERO": _all(retry_check("JR.COUNT.ZERO"), check_zero_refused),
    "JR.WHEN.FAILED-UNPROCESSED": retry_check("JR.WHEN.FAILED-UNPROCESSED"),
    "JR.WHEN.NOT-SUCCESS-WARNING": retry_check("JR.WHEN.NOT-SUCCESS-WARNING"),
    "JR.MANUAL.START": retry_check("JR.MANUAL.START"),
    "JR.MANUAL.STOP": retry_check("JR.MANUAL.STOP"),
    "JR.SCOPE.FAILED-ONLY": task_set_check("JR.SCOPE.FAILED-ONLY"),
    "JR.WARNING.PROCESSED": task_set_check("JR.WARNING.PROCESSED"),
    "JR.SESSION.ALL-VMS": task_set_check("JR.SESSION.ALL-VMS"),
    "JR.ORDER": task_set_check("JR.ORDER"),
    "JR.STATUS.FAILED": status_check("JR.STATUS.FAILED"),
    "JR.STATUS.RECOVERED": status_check("JR.STATUS.RECOVERED"),
    "JR.JOB-FAILURE": status_check("JR.JOB-FAILURE"),
    "JR.STOP.STATUS": _all(status_check("JR.STOP.STATUS"), check_stopped_flag),
    "JR.STOP.IMMEDIATE": status_check("JR.STOP.IMMEDIATE"),
    "JR.STOP.GRACEFUL": _all(status_check("JR.STOP.GRACEFUL"), task_set_check("JR.STOP.GRACEFUL")),
    "JR.STOP.GRACEFUL.BEFORE-FIRST": status_check("JR.STOP.GRACEFUL.BEFORE-FIRST"),
    "JR.PM.FILE-PER-VM": _all(
        for_format(ChainFormat.PER_MACHINE, check_point_per_processed_task),
        per_machine_file_check("JR.PM.FILE-PER-VM"),
    ),
    "JR.PM.ONLY-PROCESSED": _all(
        for_format(ChainFormat.PER_MACHINE, check_no_point_without_processing),
        per_machine_file_check("JR.PM.ONLY-PROCESSED"),
    ),
    "JR.PM.RETRY-NEW-FILES": per_machine_file_check("JR.PM.RETRY-NEW-FILES"),
    "JR.PM.NEXT-SESSION": _all(
        task_set_check("JR.PM.NEXT-SESSION"), per_machine_file_check("JR.PM.NEXT-SESSION")
    ),
    "JR.CHAIN.FULL-FIRST": check_full_first,
    "JR.SF.ONE-FILE-PER-SESSION": _all(
        for_format(ChainFormat.SINGLE_FILE, check_point_per_processed_task),
        one_file_check("JR.SF.ONE-FILE-PER-SESSION"),
    ),
    "JR.SF.ONLY-PROCESSED": for_format(ChainFormat.SINGLE_FILE, check_no_point_without_processing),
    "JR.SF.RETRY-SAME-FILE": one_file_check("JR.SF.RETRY-SAME-FILE"),
    "JR.SF.FILE-CREATION": check_file_creation,
    "JR.SF.NEXT-SESSION": _all(task_set_check("JR.SF.NEXT-SESSION"), check_points_of_own_session),
    "JR.WAIT.BETWEEN": check_wait_between,
    "JR.WAIT.CONTINUOUS": check_wait_continuous,
    "JR.MANUAL-RETRY.ONLY-FAILED": check_retry_refusal,
    "JR.MANUAL-RETRY.SCOPE": task_set_check("JR.MANUAL-RETRY.SCOPE"),
    "JR.MANUAL-RETRY.NOT-RETRIED": retry_check("JR.MANUAL-RETRY.NOT-RETRIED"),
    "JR.MANUAL-RETRY.CHAIN": check_retry_chain,
    "JR.NOTIFY.SUPPRESSED": check_notify_suppressed,
    "JR.NOTIFY.EVERY-RETRY": check_notify_every_retry,
    "JR.NOTIFY.INITIAL-RUN": check_notify_initial_run,
    "JR.AFTER-JOB.SCRIPT": once_after_last(
        "JR.AFTER-JOB.SCRIPT",
        lambda job: job.post_job_script,
        lambda s: s.post_job_script_after,
        "the script",
    ),
    "JR.AFTER-JOB.CHAINED": once_after_last(
        "JR.AFTER-JOB.CHAINED", lambda job: job.chained_job, lambda s: s.chained_job_after, "the chained job"
    ),
}
"""Every rule that has an oracle, with its check; the example rules have none, their scenarios spell
the whole result out."""


@dataclass(frozen=True)
class WorkedExample:
    """One of the page's two worked examples, as the page states its result: the chain of backup files.

    The set-up: 2 VMs, forward incremental, the default retry setting, 2 scheduled sessions; one VM fails
    every run of the first session (its initial run and all 3 retries) and nothing else goes wrong. Roles
    stand for the VMs: ``done`` is processed at once, ``late`` only in the second session."""

    rule: str
    chain_format: ChainFormat
    files: tuple[tuple[BackupKind, int, tuple[tuple[str, BackupKind], ...]], ...]
    """Each file: its kind, the session that created it, and (role, kind) of its restore points."""
    runs: tuple[tuple[frozenset[str], ...], ...] = (
        (frozenset({"done", "late"}), *[frozenset({"late"})] * 3),
        (frozenset({"done", "late"}),),
    )
    """The roles each run of each session takes: the first session's initial run and 3 retries of the
    late VM, then the next session processing both in its initial run."""


_FULL, _INCREMENTAL = BackupKind.FULL, BackupKind.INCREMENTAL
WORKED_EXAMPLES = (
    WorkedExample(
        "JR.EXAMPLE.PER-MACHINE",
        ChainFormat.PER_MACHINE,
        (
            (_FULL, 1, (("done", _FULL),)),
            (_INCREMENTAL, 2, (("done", _INCREMENTAL),)),
            (_FULL, 2, (("late", _FULL),)),
        ),
    ),
    WorkedExample(
        "JR.EXAMPLE.SINGLE-FILE",
        ChainFormat.SINGLE_FILE,
        ((_FULL, 1, (("done", _FULL),)), (_INCREMENTAL, 2, (("done", _INCREMENTAL), ("late", _FULL)))),
    ),
)


def _example_roles(scenario: Scenario) -> dict[str, str] | None:
    """The VM of each role when the scenario is the worked examples' set-up (whatever the VMs are called);
    None for any other scenario."""
    job = scenario.job
    if (
        len(job.vms) != 2
        or job.retry.count is not None
        or not job.retry.enabled
        or len(scenario.sessions) != 2
    ):
        return None
    if any(p.trigger is not Trigger.SCHEDULED or p.stop or p.job_failure_attempts for p in scenario.sessions):
        return None
    first, second = scenario.sessions
    late = {o.vm for o in first.outcomes}
    runs = sorted((o.attempt, o.result) for o in first.outcomes)
    if second.outcomes or len(late) != 1 or runs != [(a, TaskResult.FAILED) for a in range(1, 5)]:
        return None
    (late_vm,) = late
    return {"late": late_vm, "done": next(vm for vm in job.vms if vm != late_vm)}


def _chain_as_stated(trace: Trace) -> Counter[tuple[BackupKind, int, frozenset[tuple[str, BackupKind]]]]:
    return Counter(
        (f.kind, f.session, frozenset((p.vm, p.kind) for p in f.restore_points)) for f in trace.files
    )


def worked_example_check(example: WorkedExample) -> Check:
    """The check of a worked example: on its set-up, the chain is the one the page lists."""

    def check(facts: Facts) -> Iterator[Violation]:
        roles = _example_roles(facts.scenario)
        if roles is None or facts.scenario.job.chain_format is not example.chain_format:
            return
        expected = Counter(
            (kind, session, frozenset((roles[role], point) for role, point in points))
            for kind, session, points in example.files
        )
        observed = _chain_as_stated(facts.trace)
        if observed != expected:
            yield Violation(example.rule, "the chain", _stated(expected), _stated(observed))
        runs = tuple(
            tuple(frozenset(t.vm for t in a.tasks) for a in session.attempts)
            for session in facts.trace.sessions
        )
        planned = tuple(
            tuple(frozenset(roles[r] for r in run) for run in session) for session in example.runs
        )
        if runs != planned:
            yield Violation(example.rule, "the sessions' runs", _runs(planned), _runs(runs))

    check.__doc__ = f"{example.rule}: the chain the page's worked example ends with."
    return check


def _runs(sessions: tuple[tuple[frozenset[str], ...], ...]) -> str:
    return "; ".join(
        f"session {n}: " + ", then ".join(" and ".join(sorted(run)) or "no VM" for run in runs)
        for n, runs in enumerate(sessions, start=1)
    )


def _stated(chain: Counter[tuple[BackupKind, int, frozenset[tuple[str, BackupKind]]]]) -> str:
    files = sorted(
        f"{kind.value} file of session {session} ({', '.join(sorted(f'{vm} {k.value}' for vm, k in points))})"
        for (kind, session, points), count in chain.items()
        for _ in range(count)
    )
    return "; ".join(files) or "no file"


EXAMPLE_CHECKS: dict[str, Check] = {
    example.rule: worked_example_check(example) for example in WORKED_EXAMPLES
}
"""The worked examples' checks: a scenario with their set-up must end with the chain the page lists. Kept
apart from CHECKS, whose rules each judge any trace alone: an example restates what several rules decide."""


def _leaves(check: Check) -> Iterator[Check]:
    if isinstance(check, _All):
        for one in check.checks:
            yield from _leaves(one)
    else:
        yield check


_LEAVES: tuple[Check, ...] = tuple(
    leaf for check in (*CHECKS.values(), *EXAMPLE_CHECKS.values()) for leaf in _leaves(check)
)
"""Every check of the judgement in order, one rule's several checks taken apart."""
_FAMILIES: tuple[Check, ...] = tuple(
    dict.fromkeys(leaf.family for leaf in _LEAVES if isinstance(leaf, Share))
)
_ALONE: tuple[Check, ...] = tuple(leaf for leaf in _LEAVES if not isinstance(leaf, Share))


def judge(scenario: Scenario, trace: Trace) -> list[Violation]:
    """Every rule violation the trace shows, session by session, then the job-wide ones.

    Each family runs once; when none of them finds anything, as on most traces, the rules' shares of
    them are all empty and only the checks of their own run, in the same order."""
    facts = analyse(scenario, trace)
    shares = facts.by_family
    for family in _FAMILIES:
        shares[family] = _by_rule(family(facts))
    if any(shares.values()):
        found = [v for check in _LEAVES for v in check(facts)]
    else:
        found = [v for check in _ALONE for v in check(facts)]
    return sorted(found, key=lambda v: (v.session == JOB_WIDE, v.session))
