"""The oracles (retrykit/oracles.py): one check per rule, each flagging its own rule only.

* every rule of ``CHECKS`` has a hand-written wrong trace that its check, and no other, flags;
* the table covers exactly the catalogue's checkable rules that are not worked examples;
* over generated scenarios and perturbed traces, each check only ever reports its own rule;
* the judge never judges what the page leaves free (task, file and restore-point order, file ids);
* the judge shares no code with the reference engine it judges.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrykit import strategies
from retrykit.catalogue import RuleKind, load_catalogue
from retrykit.oracles import CHECKS, analyse, judge
from retrykit.reference import engine
from retrykit.reference.model import (
    Attempt,
    BackupFile,
    BackupKind,
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    Notification,
    Notifications,
    RestorePoint,
    RetrySettings,
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

PROPERTY = settings(max_examples=200, deadline=None, database=None)
SCENARIOS = strategies.scenarios(max_vms=3, max_sessions=2)

PM, SF = ChainFormat.PER_MACHINE, ChainFormat.SINGLE_FILE
OK, WARN, FAIL = TaskResult.SUCCESS, TaskResult.WARNING, TaskResult.FAILED
FULL, INCR = BackupKind.FULL, BackupKind.INCREMENTAL


# --- building scenarios ---------------------------------------------------------------------------------


def scenario(
    *plans: SessionPlan, vms: int = 2, chain: ChainFormat = PM, retry: RetrySettings | None = None
) -> Scenario:
    """A job of "VM 1".."VM n" with the given sessions (one plain session by default)."""
    names = tuple(f"VM {k}" for k in range(1, vms + 1))
    job = Job("Backup Job 1", names, chain, retry=retry or RetrySettings())
    return Scenario(job, plans or (SessionPlan(),))


def plan(
    *outcomes: InjectedOutcome,
    trigger: Trigger = Trigger.SCHEDULED,
    stop: ManualStop | None = None,
    job_failure: frozenset[int] = frozenset(),
) -> SessionPlan:
    return SessionPlan(trigger, outcomes, stop, job_failure)


def ends(vm: str, result: TaskResult, attempt: int) -> InjectedOutcome:
    return InjectedOutcome(vm, attempt, result)


def fails(vm: str, *attempts: int) -> tuple[InjectedOutcome, ...]:
    return tuple(InjectedOutcome(vm, a, FAIL) for a in attempts)


NO_RETRY = RetrySettings(count=0)


# --- editing traces -------------------------------------------------------------------------------------


def session_of(trace: Trace, number: int) -> Session:
    return next(s for s in trace.sessions if s.number == number)


def with_session(trace: Trace, number: int, **changes: object) -> Trace:
    sessions = tuple(replace(s, **changes) if s.number == number else s for s in trace.sessions)
    return replace(trace, sessions=sessions)


def with_attempt(trace: Trace, session: int, attempt: int, **changes: object) -> Trace:
    attempts = session_of(trace, session).attempts
    edited = tuple(replace(a, **changes) if a.number == attempt else a for a in attempts)
    return with_session(trace, session, attempts=edited)


def plus_attempt(trace: Trace, session: int, *tasks: TaskRun) -> Trace:
    """The trace with one more attempt at the end of ``session``, running ``tasks``."""
    attempts = session_of(trace, session).attempts
    return with_session(trace, session, attempts=(*attempts, Attempt(len(attempts) + 1, tasks)))


def file_with(trace: Trace, session: int, attempt: int, vm: str) -> BackupFile:
    """The file holding the restore point ``vm`` got from that run (found by content, not by id)."""
    return next(
        f
        for f in trace.files
        if any((p.session, p.attempt, p.vm) == (session, attempt, vm) for p in f.restore_points)
    )


def point(file: BackupFile, vm: str) -> RestorePoint:
    return next(p for p in file.restore_points if p.vm == vm)


def swap_file(trace: Trace, old: BackupFile, *new: BackupFile) -> Trace:
    """The trace with ``old`` replaced, in its place, by ``new`` (nothing: dropped)."""
    files: list[BackupFile] = []
    for f in trace.files:
        files.extend(new if f == old else (f,))
    return replace(trace, files=tuple(files))


def add_files(trace: Trace, *new: BackupFile) -> Trace:
    return replace(trace, files=(*trace.files, *new))


def one_point_file(session: int, attempt: int, vm: str, kind: BackupKind) -> BackupFile:
    return BackupFile(
        f"wrong-s{session}a{attempt}-{vm}",
        kind,
        session,
        attempt,
        (RestorePoint(vm, kind, session, attempt),),
    )


def holding(file: BackupFile, *points: RestorePoint) -> BackupFile:
    return replace(file, restore_points=points)


# --- one wrong trace per rule ---------------------------------------------------------------------------

Case = Callable[[], tuple[Scenario, Trace]]
WRONG: dict[str, Case] = {}


def wrong(rule: str) -> Callable[[Case], Case]:
    def register(case: Case) -> Case:
        assert rule not in WRONG, rule
        WRONG[rule] = case
        return case

    return register


@wrong("JR.SESSION.SAME")
def _session_same() -> tuple[Scenario, Trace]:
    """The trace reports one session (with its file) where two were planned."""
    s = scenario(plan(), plan(), vms=1)
    t = engine.run(s)
    return s, Trace(t.sessions[:1], tuple(f for f in t.files if f.session == 1))


@wrong("JR.RETRY.AUTOMATIC")
def _retry_automatic() -> tuple[Scenario, Trace]:
    """A scheduled initial run fails VM 1 and no retry follows; the session ends Failed."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1)
    t = engine.run(s)
    t = replace(t, files=tuple(f for f in t.files if f.attempt == 1))
    t = with_session(t, 1, attempts=session_of(t, 1).attempts[:1], status=SessionStatus.FAILED)
    return s, t


@wrong("JR.COUNT.DEFAULT")
def _count_default() -> tuple[Scenario, Trace]:
    """With the default count, a 4th retry runs after VM 1 failed the initial run and 3 retries."""
    s = scenario(plan(*fails("VM 1", 1, 2, 3, 4)), vms=1)
    return s, plus_attempt(engine.run(s), 1, TaskRun("VM 1", FAIL))


@wrong("JR.COUNT.CUSTOM")
def _count_custom() -> tuple[Scenario, Trace]:
    """With a count of 1, a 2nd retry runs after VM 1 failed the initial run and its retry."""
    s = scenario(plan(*fails("VM 1", 1, 2)), vms=1, retry=RetrySettings(count=1))
    return s, plus_attempt(engine.run(s), 1, TaskRun("VM 1", FAIL))


@wrong("JR.COUNT.ZERO")
def _count_zero() -> tuple[Scenario, Trace]:
    """With a count of 0, a retry runs after VM 1 failed the initial run."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1, retry=NO_RETRY)
    return s, plus_attempt(engine.run(s), 1, TaskRun("VM 1", FAIL))


@wrong("JR.WHEN.FAILED-UNPROCESSED")
def _when_failed_unprocessed() -> tuple[Scenario, Trace]:
    """A retry (of nothing) follows a run that processed every VM but ended with a job-level error."""
    s = scenario(plan(job_failure=frozenset({1})), vms=1)
    return s, plus_attempt(engine.run(s), 1)


@wrong("JR.WHEN.NOT-SUCCESS-WARNING")
def _when_not_success_warning() -> tuple[Scenario, Trace]:
    """A retry (of nothing) follows a run that left the session at Warning."""
    s = scenario(plan(ends("VM 1", WARN, 1)), vms=1)
    return s, plus_attempt(engine.run(s), 1)


@wrong("JR.MANUAL.START")
def _manual_start() -> tuple[Scenario, Trace]:
    """A session the user started by hand is retried after VM 1 failed."""
    s = scenario(plan(*fails("VM 1", 1), trigger=Trigger.MANUAL), vms=1)
    return s, plus_attempt(engine.run(s), 1, TaskRun("VM 1", FAIL))


@wrong("JR.MANUAL.STOP")
def _manual_stop() -> tuple[Scenario, Trace]:
    """A session the user stopped before any task finished is retried."""
    s = scenario(plan(stop=ManualStop(1, 0)), vms=1)
    return s, plus_attempt(engine.run(s), 1, TaskRun("VM 1", FAIL))


@wrong("JR.SCOPE.FAILED-ONLY")
def _scope_failed_only() -> tuple[Scenario, Trace]:
    """The retry runs VM 1 again (writing a new incremental) beside the failed VM 2."""
    s = scenario(plan(*fails("VM 2", 1)))
    t = with_attempt(engine.run(s), 1, 2, tasks=(TaskRun("VM 1", OK), TaskRun("VM 2", OK)))
    return s, add_files(t, one_point_file(1, 2, "VM 1", INCR))


@wrong("JR.WARNING.PROCESSED")
def _warning_processed() -> tuple[Scenario, Trace]:
    """The retry runs VM 1 again (warned again, new incremental), though it had ended with a warning."""
    s = scenario(plan(ends("VM 1", WARN, 1), *fails("VM 2", 1)))
    t = with_attempt(engine.run(s), 1, 2, tasks=(TaskRun("VM 1", WARN), TaskRun("VM 2", OK)))
    return s, add_files(t, one_point_file(1, 2, "VM 1", INCR))


@wrong("JR.SESSION.ALL-VMS")
def _session_all_vms() -> tuple[Scenario, Trace]:
    """The initial run leaves VM 2 out; a retry then processes it."""
    s = scenario(plan())
    t = engine.run(s)
    t = with_attempt(t, 1, 1, tasks=(TaskRun("VM 1", OK),))
    t = plus_attempt(t, 1, TaskRun("VM 2", OK))
    return s, swap_file(t, file_with(t, 1, 1, "VM 2"), one_point_file(1, 2, "VM 2", FULL))


@wrong("JR.ORDER")
def _order() -> tuple[Scenario, Trace]:
    """A stop after 1 task: the task that finished is VM 2, not VM 1 (the first in job order)."""
    s = scenario(plan(stop=ManualStop(1, 1)))
    t = with_attempt(engine.run(s), 1, 1, tasks=(TaskRun("VM 2", OK),))
    return s, swap_file(t, file_with(t, 1, 1, "VM 1"), one_point_file(1, 1, "VM 2", FULL))


@wrong("JR.STATUS.FAILED")
def _status_failed() -> tuple[Scenario, Trace]:
    """VM 1 failed and no retry is allowed, yet the session ends Success."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1, retry=NO_RETRY)
    return s, with_session(engine.run(s), 1, status=SessionStatus.SUCCESS)


@wrong("JR.STATUS.RECOVERED")
def _status_recovered() -> tuple[Scenario, Trace]:
    """A retry recovers VM 1, yet the session ends Failed."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1)
    return s, with_session(engine.run(s), 1, status=SessionStatus.FAILED)


@wrong("JR.JOB-FAILURE")
def _job_failure() -> tuple[Scenario, Trace]:
    """Every VM is processed but the run ends with a job-level error, yet the session ends Success."""
    s = scenario(plan(job_failure=frozenset({1})), vms=1)
    return s, with_session(engine.run(s), 1, status=SessionStatus.SUCCESS)


@wrong("JR.STOP.IMMEDIATE")
def _stop_immediate() -> tuple[Scenario, Trace]:
    """The user stops the session after its only task finished, yet it ends Success."""
    s = scenario(plan(stop=ManualStop(1, 1)), vms=1)
    return s, with_session(engine.run(s), 1, status=SessionStatus.SUCCESS)


@wrong("JR.STOP.STATUS")
def _stop_status() -> tuple[Scenario, Trace]:
    """A graceful stop lets the only task finish and, under the default reading, must end Failed: Success."""
    s = scenario(plan(stop=ManualStop(1, 1, StopMode.GRACEFUL)), vms=1)
    return s, with_session(engine.run(s), 1, status=SessionStatus.SUCCESS)


@wrong("JR.STOP.GRACEFUL")
def _stop_graceful() -> tuple[Scenario, Trace]:
    """A graceful stop while the second VM runs, yet that VM is terminated: only VM 1 ran."""
    s = scenario(plan(stop=ManualStop(1, 2, StopMode.GRACEFUL)))
    t = engine.run(s)
    cut = replace(t.sessions[0].attempts[0], tasks=t.sessions[0].attempts[0].tasks[:1])
    files = tuple(f for f in t.files if f.restore_points[0].vm == "VM 1")
    return s, replace(with_session(t, 1, attempts=(cut,)), files=files)


@wrong("JR.STOP.GRACEFUL.BEFORE-FIRST")
def _stop_graceful_before_first() -> tuple[Scenario, Trace]:
    """A graceful stop before the first VM, yet the session ends Warning."""
    s = scenario(plan(stop=ManualStop(1, 0, StopMode.GRACEFUL)))
    return s, with_session(engine.run(s), 1, status=SessionStatus.WARNING)


@wrong("JR.PM.FILE-PER-VM")
def _pm_file_per_vm() -> tuple[Scenario, Trace]:
    """A per-machine run writes both of its VMs into one file."""
    s = scenario(plan())
    t = engine.run(s)
    first, second = file_with(t, 1, 1, "VM 1"), file_with(t, 1, 1, "VM 2")
    both = holding(first, *first.restore_points, *second.restore_points)
    return s, swap_file(swap_file(t, first, both), second)


@wrong("JR.PM.ONLY-PROCESSED")
def _pm_only_processed() -> tuple[Scenario, Trace]:
    """A per-machine run writes a file for VM 2, which failed and was not retried."""
    s = scenario(plan(*fails("VM 2", 1)), retry=NO_RETRY)
    return s, add_files(engine.run(s), one_point_file(1, 1, "VM 2", FULL))


@wrong("JR.PM.RETRY-NEW-FILES")
def _pm_retry_new_files() -> tuple[Scenario, Trace]:
    """A per-machine retry writes the VM 2 it recovered into the initial run's file of VM 1."""
    s = scenario(plan(*fails("VM 2", 1)))
    t = engine.run(s)
    first, retried = file_with(t, 1, 1, "VM 1"), file_with(t, 1, 2, "VM 2")
    merged = holding(first, *first.restore_points, *retried.restore_points)
    return s, swap_file(swap_file(t, first, merged), retried)


@wrong("JR.PM.NEXT-SESSION")
def _pm_next_session() -> tuple[Scenario, Trace]:
    """The next session writes the VM 2 left over into the previous session's file of VM 1."""
    s = scenario(plan(*fails("VM 2", 1)), plan(), retry=NO_RETRY)
    t = engine.run(s)
    old, late = file_with(t, 1, 1, "VM 1"), file_with(t, 2, 1, "VM 2")
    merged = holding(old, *old.restore_points, *late.restore_points)
    return s, swap_file(swap_file(t, old, merged), late)


@wrong("JR.CHAIN.FULL-FIRST")
def _chain_full_first() -> tuple[Scenario, Trace]:
    """The second session writes a full restore point (in a full file) where an incremental is due."""
    s = scenario(plan(), plan(), vms=1)
    t = engine.run(s)
    second = file_with(t, 2, 1, "VM 1")
    full = replace(second, kind=FULL, restore_points=(replace(point(second, "VM 1"), kind=FULL),))
    return s, swap_file(t, second, full)


@wrong("JR.SF.ONE-FILE-PER-SESSION")
def _sf_one_file_per_session() -> tuple[Scenario, Trace]:
    """A single-file session's file leaves out VM 2, which its run processed."""
    s = scenario(plan(), chain=SF)
    t = engine.run(s)
    file = file_with(t, 1, 1, "VM 1")
    return s, swap_file(t, file, holding(file, point(file, "VM 1")))


@wrong("JR.SF.ONLY-PROCESSED")
def _sf_only_processed() -> tuple[Scenario, Trace]:
    """A single-file session's file holds a restore point of VM 2, which failed and was not retried."""
    s = scenario(plan(*fails("VM 2", 1)), chain=SF, retry=NO_RETRY)
    t = engine.run(s)
    file = file_with(t, 1, 1, "VM 1")
    return s, swap_file(t, file, holding(file, *file.restore_points, RestorePoint("VM 2", FULL, 1, 1)))


@wrong("JR.SF.RETRY-SAME-FILE")
def _sf_retry_same_file() -> tuple[Scenario, Trace]:
    """A single-file retry writes the VM 2 it recovered into a new (incremental) file of its own."""
    s = scenario(plan(*fails("VM 2", 1)), chain=SF)
    t = engine.run(s)
    file = file_with(t, 1, 1, "VM 1")
    late = BackupFile("wrong-s1a2", INCR, 1, 2, (point(file, "VM 2"),))
    return s, swap_file(t, file, holding(file, point(file, "VM 1")), late)


@wrong("JR.SF.FILE-CREATION")
def _sf_file_creation() -> tuple[Scenario, Trace]:
    """A single-file session's file says the initial run created it, though only the retry processed a VM."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1, chain=SF)
    t = engine.run(s)
    file = file_with(t, 1, 2, "VM 1")
    return s, swap_file(t, file, replace(file, attempt=1))


@wrong("JR.SF.NEXT-SESSION")
def _sf_next_session() -> tuple[Scenario, Trace]:
    """The next session writes the VM 2 left over into the previous session's file."""
    s = scenario(plan(*fails("VM 2", 1)), plan(), chain=SF, retry=NO_RETRY)
    t = engine.run(s)
    old, new = file_with(t, 1, 1, "VM 1"), file_with(t, 2, 1, "VM 2")
    late = point(new, "VM 2")
    t = swap_file(t, old, holding(old, *old.restore_points, late))
    return s, swap_file(t, new, holding(new, *(p for p in new.restore_points if p != late)))


# --- the rules from Veeam's related pages ---------------------------------------------------------------


def with_job(s: Scenario, **changes: object) -> Scenario:
    return replace(s, job=replace(s.job, **changes))


@wrong("JR.WAIT.BETWEEN")
def _wait_between() -> tuple[Scenario, Trace]:
    """The retry starts 5 minutes after the failed run although the job waits 10."""
    s = scenario(plan(*fails("VM 1", 1)), vms=1, retry=RetrySettings(wait_minutes=10))
    t = engine.run(s)
    ended = session_of(t, 1).attempts[0].ended_at or 0
    return s, with_attempt(t, 1, 2, started_at=ended + 5, ended_at=ended + 6)


@wrong("JR.WAIT.CONTINUOUS")
def _wait_continuous() -> tuple[Scenario, Trace]:
    """On a continuous schedule the retry waits the 10 minutes set."""
    s = with_job(
        scenario(plan(*fails("VM 1", 1)), vms=1, retry=RetrySettings(wait_minutes=10)),
        continuous_schedule=True,
    )
    t = engine.run(s)
    ended = session_of(t, 1).attempts[0].ended_at or 0
    return s, with_attempt(t, 1, 2, started_at=ended + 10, ended_at=ended + 11)


@wrong("JR.MANUAL-RETRY.ONLY-FAILED")
def _retry_only_failed() -> tuple[Scenario, Trace]:
    """A Retry after a successful session runs (with nothing to do) instead of being refused."""
    s = scenario(plan(), plan(trigger=Trigger.RETRY))
    t = engine.run(s)
    return s, with_session(t, 2, refused=False, status=SessionStatus.SUCCESS, attempts=(Attempt(1, ()),))


@wrong("JR.MANUAL-RETRY.SCOPE")
def _retry_scope() -> tuple[Scenario, Trace]:
    """The Retry runs VM 1, which the failed session processed, beside VM 2."""
    s = scenario(plan(*fails("VM 2", 1)), plan(trigger=Trigger.RETRY), retry=NO_RETRY)
    t = engine.run(s)
    t = with_attempt(t, 2, 1, tasks=(TaskRun("VM 1", OK), TaskRun("VM 2", OK)))
    return s, add_files(t, one_point_file(2, 1, "VM 1", INCR))


@wrong("JR.MANUAL-RETRY.NOT-RETRIED")
def _retry_not_retried() -> tuple[Scenario, Trace]:
    """The Retry's run fails VM 2 and an automatic retry follows."""
    s = scenario(
        plan(*fails("VM 2", 1, 2)),
        plan(*fails("VM 2", 1), trigger=Trigger.RETRY),
        retry=RetrySettings(count=1),
    )
    t = plus_attempt(engine.run(s), 2, TaskRun("VM 2", OK))
    return s, add_files(with_session(t, 2, status=SessionStatus.SUCCESS), one_point_file(2, 2, "VM 2", FULL))


@wrong("JR.MANUAL-RETRY.CHAIN")
def _retry_chain() -> tuple[Scenario, Trace]:
    """Single-file: the Retry writes VM 2 into the failed session's file instead of a file of its own."""
    s = scenario(plan(*fails("VM 2", 1)), plan(trigger=Trigger.RETRY), chain=SF, retry=NO_RETRY)
    t = engine.run(s)
    old, new = file_with(t, 1, 1, "VM 1"), file_with(t, 2, 1, "VM 2")
    t = swap_file(t, old, holding(old, *old.restore_points, *new.restore_points))
    return s, swap_file(t, new)


def _notifying(suppressed: bool) -> Scenario:
    return with_job(scenario(plan(*fails("VM 1", 1)), vms=1), notifications=Notifications(suppressed))


@wrong("JR.NOTIFY.SUPPRESSED")
def _notify_suppressed() -> tuple[Scenario, Trace]:
    """Notifications are held back until the last retry, but the initial run sends one too."""
    s = _notifying(suppressed=True)
    sent = (Notification(1, SessionStatus.FAILED), Notification(2, SessionStatus.SUCCESS))
    return s, with_session(engine.run(s), 1, notifications=sent)


@wrong("JR.NOTIFY.EVERY-RETRY")
def _notify_every_retry() -> tuple[Scenario, Trace]:
    """Without suppression, the retry sends no notification."""
    s = _notifying(suppressed=False)
    return s, with_session(engine.run(s), 1, notifications=(Notification(1, SessionStatus.FAILED),))


@wrong("JR.NOTIFY.INITIAL-RUN")
def _notify_initial_run() -> tuple[Scenario, Trace]:
    """Without suppression, the initial run sends no notification."""
    s = _notifying(suppressed=False)
    return s, with_session(engine.run(s), 1, notifications=(Notification(2, SessionStatus.SUCCESS),))


@wrong("JR.AFTER-JOB.SCRIPT")
def _after_job_script() -> tuple[Scenario, Trace]:
    """The post-job script runs after the initial run, before the retry."""
    s = with_job(scenario(plan(*fails("VM 1", 1)), vms=1), post_job_script=True)
    return s, with_session(engine.run(s), 1, post_job_script_after=(1,))


@wrong("JR.AFTER-JOB.CHAINED")
def _after_job_chained() -> tuple[Scenario, Trace]:
    """The chained job starts after the initial run and again after the retry."""
    s = with_job(scenario(plan(*fails("VM 1", 1)), vms=1), chained_job=True)
    return s, with_session(engine.run(s), 1, chained_job_after=(1, 2))


KNOWN_BUGS: dict[str, str] = {}
"""Rules whose hand-written case shows a bug of retrykit/oracles.py: rule ID -> what goes wrong."""


def test_every_check_has_a_wrong_trace() -> None:
    assert set(WRONG) == set(CHECKS)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(r, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[r])) if r in KNOWN_BUGS else r
        for r in sorted(CHECKS)
    ],
)
def test_wrong_trace_is_flagged_by_its_rule_alone(rule: str) -> None:
    case = WRONG[rule]
    s, wrong_trace = case()
    assert judge(s, engine.run(s)) == [], f"{case.__doc__}: the reference trace itself is flagged"
    assert {v.rule for v in judge(s, wrong_trace)} == {rule}, case.__doc__
    own = list(CHECKS[rule](analyse(s, wrong_trace)))
    assert own, case.__doc__
    assert {v.rule for v in own} == {rule}, case.__doc__


# --- the table against the catalogue --------------------------------------------------------------------


def test_checks_cover_exactly_the_checkable_rules_but_examples() -> None:
    catalogue = load_catalogue()
    judged = {r.id for r in catalogue.rules if r.kind.checkable and r.kind is not RuleKind.EXAMPLE}
    assert judged == {
        r.id for r in catalogue.rules if r.kind in (RuleKind.NORMATIVE, RuleKind.INTERPRETATION)
    }
    assert set(CHECKS) - catalogue.ids == set(), "checks of rules the catalogue does not have"
    assert judged - set(CHECKS) == set(), "checkable rules that are not examples, without a check"
    assert set(CHECKS) - judged == set(), "checks of example or advisory rules"


# --- each check reports its own rule only, whatever the trace -------------------------------------------

Draw = Callable[[st.SearchStrategy], object]
Perturbation = Callable[[Draw, Scenario, Trace], Trace]

RESULTS = tuple(TaskResult)
STATUSES = tuple(SessionStatus)
KINDS = tuple(BackupKind)


def _other(draw: Draw, values: tuple, current: object) -> object:
    return draw(st.sampled_from([v for v in values if v != current]))


def _set_session(trace: Trace, index: int, session: Session) -> Trace:
    return replace(trace, sessions=(*trace.sessions[:index], session, *trace.sessions[index + 1 :]))


def _set_file(trace: Trace, index: int, file: BackupFile) -> Trace:
    return replace(trace, files=(*trace.files[:index], file, *trace.files[index + 1 :]))


def _attempt_slots(trace: Trace) -> list[tuple[int, int]]:
    return [(si, ai) for si, s in enumerate(trace.sessions) for ai in range(len(s.attempts))]


def _edit_attempt(draw: Draw, trace: Trace, edit: Callable[[Attempt], Attempt | None]) -> Trace:
    """Apply ``edit`` to a drawn attempt (None drops it); the trace as is when it has none."""
    slots = _attempt_slots(trace)
    if not slots:
        return trace
    si, ai = draw(st.sampled_from(slots))
    session = trace.sessions[si]
    edited = edit(session.attempts[ai])
    attempts = (*session.attempts[:ai], *(() if edited is None else (edited,)), *session.attempts[ai + 1 :])
    return _set_session(trace, si, replace(session, attempts=attempts))


def _edit_task(draw: Draw, trace: Trace, edit: Callable[[TaskRun], tuple[TaskRun, ...]]) -> Trace:
    slots = [
        (si, ai, ti)
        for si, s in enumerate(trace.sessions)
        for ai, a in enumerate(s.attempts)
        for ti in range(len(a.tasks))
    ]
    if not slots:
        return trace
    si, ai, ti = draw(st.sampled_from(slots))
    session = trace.sessions[si]
    attempt = session.attempts[ai]
    tasks = (*attempt.tasks[:ti], *edit(attempt.tasks[ti]), *attempt.tasks[ti + 1 :])
    attempts = (*session.attempts[:ai], replace(attempt, tasks=tasks), *session.attempts[ai + 1 :])
    return _set_session(trace, si, replace(session, attempts=attempts))


def _edit_session(draw: Draw, trace: Trace, edit: Callable[[Session], Session]) -> Trace:
    if not trace.sessions:
        return trace
    si = draw(st.integers(0, len(trace.sessions) - 1))
    return _set_session(trace, si, edit(trace.sessions[si]))


def _edit_file(draw: Draw, trace: Trace, edit: Callable[[BackupFile], BackupFile]) -> Trace:
    if not trace.files:
        return trace
    fi = draw(st.integers(0, len(trace.files) - 1))
    return _set_file(trace, fi, edit(trace.files[fi]))


def _edit_point(draw: Draw, trace: Trace, edit: Callable[[RestorePoint], tuple[RestorePoint, ...]]) -> Trace:
    slots = [(fi, pi) for fi, f in enumerate(trace.files) for pi in range(len(f.restore_points))]
    if not slots:
        return trace
    fi, pi = draw(st.sampled_from(slots))
    file = trace.files[fi]
    points = (*file.restore_points[:pi], *edit(file.restore_points[pi]), *file.restore_points[pi + 1 :])
    return _set_file(trace, fi, replace(file, restore_points=points))


def drop_task(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_task(draw, t, lambda task: ())


def duplicate_task(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_task(draw, t, lambda task: (task, task))


def add_task(draw: Draw, s: Scenario, t: Trace) -> Trace:
    task = TaskRun(draw(st.sampled_from(s.job.vms)), draw(st.sampled_from(RESULTS)))
    return _edit_attempt(draw, t, lambda a: replace(a, tasks=(*a.tasks, task)))


def flip_result(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_task(draw, t, lambda task: (replace(task, result=_other(draw, RESULTS, task.result)),))


def flip_job_failure(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_attempt(draw, t, lambda a: replace(a, job_failure=not a.job_failure))


def drop_attempt(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_attempt(draw, t, lambda a: None)


def extra_attempt(draw: Draw, s: Scenario, t: Trace) -> Trace:
    """One more attempt at the end of a session, running some of the job's VMs."""
    vms = draw(st.lists(st.sampled_from(s.job.vms), max_size=3))
    tasks = tuple(TaskRun(vm, draw(st.sampled_from(RESULTS))) for vm in vms)
    return _edit_session(
        draw, t, lambda ses: replace(ses, attempts=(*ses.attempts, Attempt(len(ses.attempts) + 1, tasks)))
    )


def flip_status(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_session(draw, t, lambda ses: replace(ses, status=_other(draw, STATUSES, ses.status)))


def flip_stopped(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_session(draw, t, lambda ses: replace(ses, stopped_manually=not ses.stopped_manually))


def drop_session(draw: Draw, s: Scenario, t: Trace) -> Trace:
    if not t.sessions:
        return t
    si = draw(st.integers(0, len(t.sessions) - 1))
    return replace(t, sessions=(*t.sessions[:si], *t.sessions[si + 1 :]))


def extra_session(draw: Draw, s: Scenario, t: Trace) -> Trace:
    if not t.sessions:
        return t
    copy = replace(draw(st.sampled_from(t.sessions)), number=len(t.sessions) + 1)
    return replace(t, sessions=(*t.sessions, copy))


def swap_file_kind(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_file(draw, t, lambda f: replace(f, kind=_other(draw, KINDS, f.kind)))


def swap_point_kind(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_point(draw, t, lambda p: (replace(p, kind=_other(draw, KINDS, p.kind)),))


def drop_point(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_point(draw, t, lambda p: ())


def duplicate_point(draw: Draw, s: Scenario, t: Trace) -> Trace:
    return _edit_point(draw, t, lambda p: (p, p))


def shift_point(draw: Draw, s: Scenario, t: Trace) -> Trace:
    """A restore point that claims another run (or another VM) wrote it."""

    def edit(p: RestorePoint) -> tuple[RestorePoint, ...]:
        field = draw(st.sampled_from(("session", "attempt", "vm")))
        if field == "vm":
            return (replace(p, vm=draw(st.sampled_from(s.job.vms))),)
        value = getattr(p, field) + draw(st.sampled_from((-1, 1)))
        return (replace(p, **{field: max(1, value)}),)

    return _edit_point(draw, t, edit)


def move_point(draw: Draw, s: Scenario, t: Trace) -> Trace:
    """A restore point taken out of its file and put in another (or a new) one."""
    slots = [(fi, pi) for fi, f in enumerate(t.files) for pi in range(len(f.restore_points))]
    if not slots:
        return t
    fi, pi = draw(st.sampled_from(slots))
    source = t.files[fi]
    moved = source.restore_points[pi]
    t = _set_file(
        t, fi, replace(source, restore_points=source.restore_points[:pi] + source.restore_points[pi + 1 :])
    )
    target = draw(st.integers(0, len(t.files)))
    if target == len(t.files):
        return add_files(t, BackupFile("moved", moved.kind, moved.session, moved.attempt, (moved,)))
    file = t.files[target]
    return _set_file(t, target, replace(file, restore_points=(*file.restore_points, moved)))


def drop_file(draw: Draw, s: Scenario, t: Trace) -> Trace:
    if not t.files:
        return t
    fi = draw(st.integers(0, len(t.files) - 1))
    return replace(t, files=(*t.files[:fi], *t.files[fi + 1 :]))


def duplicate_file(draw: Draw, s: Scenario, t: Trace) -> Trace:
    if not t.files:
        return t
    return add_files(t, replace(draw(st.sampled_from(t.files)), id="duplicate"))


def shift_file(draw: Draw, s: Scenario, t: Trace) -> Trace:
    """A file that names another run as its creator."""

    def edit(f: BackupFile) -> BackupFile:
        field = draw(st.sampled_from(("session", "attempt")))
        value = getattr(f, field) + draw(st.sampled_from((-1, 1)))
        return replace(f, **{field: max(1, value)})

    return _edit_file(draw, t, edit)


PERTURBATIONS: tuple[Perturbation, ...] = (
    drop_task,
    duplicate_task,
    add_task,
    flip_result,
    flip_job_failure,
    drop_attempt,
    extra_attempt,
    flip_status,
    flip_stopped,
    drop_session,
    extra_session,
    swap_file_kind,
    swap_point_kind,
    drop_point,
    duplicate_point,
    shift_point,
    move_point,
    drop_file,
    duplicate_file,
    shift_file,
)


@st.composite
def perturbed_cases(draw: Draw) -> tuple[Scenario, Trace]:
    """A scenario and its reference trace after 1 to 3 small perturbations."""
    s = draw(SCENARIOS)
    t = engine.run(s)
    for perturbation in draw(st.lists(st.sampled_from(PERTURBATIONS), min_size=1, max_size=3)):
        t = perturbation(draw, s, t)
    return s, t


@PROPERTY
@given(perturbed_cases())
def test_each_check_reports_its_own_rule_only(case: tuple[Scenario, Trace]) -> None:
    s, t = case
    facts = analyse(s, t)
    for rule, check in CHECKS.items():
        assert all(v.rule == rule for v in check(facts)), rule


# --- the page's freedoms are never judged ---------------------------------------------------------------


@st.composite
def freely_reordered(draw: Draw) -> tuple[Scenario, Trace]:
    """A scenario and its reference trace with some of the page's freedoms taken: each attempt's tasks
    reversed, the files reversed, each file's restore points reversed, file ids replaced."""
    s = draw(SCENARIOS)
    t = engine.run(s)
    if draw(st.booleans()):
        t = replace(
            t,
            sessions=tuple(
                replace(ses, attempts=tuple(replace(a, tasks=a.tasks[::-1]) for a in ses.attempts))
                for ses in t.sessions
            ),
        )
    if draw(st.booleans()):
        t = replace(t, files=t.files[::-1])
    if draw(st.booleans()):
        t = replace(t, files=tuple(replace(f, restore_points=f.restore_points[::-1]) for f in t.files))
    if draw(st.booleans()):
        ids = draw(st.lists(st.text(max_size=8), min_size=len(t.files), max_size=len(t.files), unique=True))
        t = replace(t, files=tuple(replace(f, id=i) for f, i in zip(t.files, ids, strict=True)))
    return s, t


@PROPERTY
@given(freely_reordered())
def test_freedoms_are_not_judged(case: tuple[Scenario, Trace]) -> None:
    s, t = case
    assert judge(s, t) == []


# --- the judge shares no code with the engine -----------------------------------------------------------


def _source(module: str) -> Path | None:
    """Where the kit's module lives (its packages are imported already; the module itself is not)."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _local_imports(module: str) -> set[str]:
    """The kit's own modules ``module`` imports, read from its source (nothing is imported)."""
    source = _source(module)
    assert source is not None, module
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] == "retrykit" and _source(n) is not None}


def test_judge_does_not_import_the_engine() -> None:
    seen: set[str] = set()
    todo = ["retrykit.oracles"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_local_imports(module))
    assert "retrykit.reference.engine" not in seen, sorted(seen)
    assert "retrykit.reference.model" in seen, "the judge reads the model it shares with every target"
