"""Unit tests of the reference engine: the page's worked examples and each rule on a small scenario."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from retrykit.reference import engine
from retrykit.reference.model import (
    BackupKind,
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    RestorePoint,
    RetrySettings,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    TaskResult,
    Trace,
    Trigger,
)

FULL, INCREMENTAL = BackupKind.FULL, BackupKind.INCREMENTAL
OK, WARN, FAIL = TaskResult.SUCCESS, TaskResult.WARNING, TaskResult.FAILED
PER_MACHINE, SINGLE_FILE = ChainFormat.PER_MACHINE, ChainFormat.SINGLE_FILE


def make_job(vms: int = 2, chain: ChainFormat = PER_MACHINE, retry: RetrySettings | None = None) -> Job:
    return Job("Job", tuple(f"VM {n}" for n in range(1, vms + 1)), chain, retry=retry or RetrySettings())


def plan(
    *outcomes: tuple[str, int, TaskResult],
    trigger: Trigger = Trigger.SCHEDULED,
    stop: ManualStop | None = None,
    job_failures: Iterable[int] = (),
) -> SessionPlan:
    return SessionPlan(
        trigger=trigger,
        outcomes=tuple(InjectedOutcome(vm, attempt, result) for vm, attempt, result in outcomes),
        stop=stop,
        job_failure_attempts=frozenset(job_failures),
    )


def failing(vm: str, attempts: Iterable[int]) -> list[tuple[str, int, TaskResult]]:
    return [(vm, attempt, FAIL) for attempt in attempts]


def run(job: Job, *plans: SessionPlan) -> Trace:
    return engine.run(Scenario(job, plans))


def only_session(job: Job, session_plan: SessionPlan) -> Session:
    trace = run(job, session_plan)
    assert len(trace.sessions) == 1
    return trace.sessions[0]


def attempts(session: Session) -> list[list[tuple[str, TaskResult]]]:
    """Each attempt's task runs, in order, as (vm, result) pairs."""
    return [[(t.vm, t.result) for t in a.tasks] for a in session.attempts]


def file_summary(trace: Trace) -> list[tuple[BackupKind, int, int, frozenset[RestorePoint]]]:
    """The chain without file ids (the engine's own naming, not behaviour of the page)."""
    return [(f.kind, f.session, f.attempt, frozenset(f.restore_points)) for f in trace.files]


def points(trace: Trace) -> list[RestorePoint]:
    return [p for f in trace.files for p in f.restore_points]


# --- The page's worked examples ------------------------------------------------------------------


@pytest.mark.parametrize("chain", [PER_MACHINE, SINGLE_FILE])
def test_worked_example_sessions(chain: ChainFormat) -> None:
    trace = run(make_job(2, chain), plan(*failing("VM 2", range(1, 5))), plan())
    first, second = trace.sessions
    assert attempts(first) == [
        [("VM 1", OK), ("VM 2", FAIL)],
        [("VM 2", FAIL)],
        [("VM 2", FAIL)],
        [("VM 2", FAIL)],
    ]
    assert first.status is SessionStatus.FAILED
    assert not first.stopped_manually
    assert attempts(second) == [[("VM 1", OK), ("VM 2", OK)]]
    assert second.status is SessionStatus.SUCCESS


def test_worked_example_per_machine_gives_three_backups() -> None:
    trace = run(make_job(2, PER_MACHINE), plan(*failing("VM 2", range(1, 5))), plan())
    assert file_summary(trace) == [
        (FULL, 1, 1, frozenset({RestorePoint("VM 1", FULL, 1, 1)})),
        (INCREMENTAL, 2, 1, frozenset({RestorePoint("VM 1", INCREMENTAL, 2, 1)})),
        (FULL, 2, 1, frozenset({RestorePoint("VM 2", FULL, 2, 1)})),
    ]
    assert len({f.id for f in trace.files}) == 3


def test_worked_example_single_file_gives_two_files() -> None:
    trace = run(make_job(2, SINGLE_FILE), plan(*failing("VM 2", range(1, 5))), plan())
    assert file_summary(trace) == [
        (FULL, 1, 1, frozenset({RestorePoint("VM 1", FULL, 1, 1)})),
        (
            INCREMENTAL,
            2,
            1,
            frozenset({RestorePoint("VM 2", FULL, 2, 1), RestorePoint("VM 1", INCREMENTAL, 2, 1)}),
        ),
    ]
    assert len({f.id for f in trace.files}) == 2


# --- Retry count ---------------------------------------------------------------------------------


def test_default_setting_gives_three_retries_so_four_attempts() -> None:
    session = only_session(make_job(1), plan(*failing("VM 1", range(1, 8))))
    assert [a.number for a in session.attempts] == [1, 2, 3, 4]
    assert attempts(session) == [[("VM 1", FAIL)]] * 4
    assert session.status is SessionStatus.FAILED


@pytest.mark.parametrize(("count", "expected"), [(1, 2), (5, 6)])
def test_custom_retry_count_is_honoured(count: int, expected: int) -> None:
    job = make_job(1, retry=RetrySettings(count=count))
    session = only_session(job, plan(*failing("VM 1", range(1, 8))))
    assert [a.number for a in session.attempts] == list(range(1, expected + 1))
    assert session.status is SessionStatus.FAILED


@pytest.mark.parametrize(
    "retry",
    [RetrySettings(count=0), RetrySettings(enabled=False), RetrySettings(enabled=False, count=5)],
    ids=["count-0", "disabled", "disabled-with-count-5"],
)
def test_no_retries_means_one_attempt(retry: RetrySettings) -> None:
    job = make_job(2, retry=retry)
    session = only_session(job, plan(*failing("VM 2", range(1, 8))))
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL)]]
    assert session.status is SessionStatus.FAILED


def test_a_retry_stops_as_soon_as_the_failed_vm_recovers() -> None:
    session = only_session(make_job(2), plan(*failing("VM 2", [1, 2])))
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL)], [("VM 2", FAIL)], [("VM 2", OK)]]
    assert session.status is SessionStatus.SUCCESS


# --- When a retry happens --------------------------------------------------------------------------


def test_no_retry_after_success() -> None:
    session = only_session(make_job(3), plan())
    assert attempts(session) == [[("VM 1", OK), ("VM 2", OK), ("VM 3", OK)]]
    assert session.status is SessionStatus.SUCCESS


def test_no_retry_after_warning() -> None:
    trace = run(make_job(2), plan(("VM 1", 1, WARN)))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", WARN), ("VM 2", OK)]]
    assert session.status is SessionStatus.WARNING
    assert sorted(p.vm for p in points(trace)) == ["VM 1", "VM 2"]


def test_manual_start_is_never_retried() -> None:
    session = only_session(make_job(2), plan(*failing("VM 2", [1, 2, 3]), trigger=Trigger.MANUAL))
    assert session.trigger is Trigger.MANUAL
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL)]]
    assert session.status is SessionStatus.FAILED


def test_manual_stop_in_the_initial_run() -> None:
    trace = run(make_job(3), plan(*failing("VM 3", [1]), stop=ManualStop(attempt=1, after_tasks=1)))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", OK)]]
    assert session.stopped_manually
    assert session.status is SessionStatus.FAILED
    assert points(trace) == [RestorePoint("VM 1", FULL, 1, 1)]


def test_manual_stop_during_a_retry() -> None:
    outcomes = failing("VM 2", [1]) + failing("VM 3", [1])
    trace = run(make_job(3), plan(*outcomes, stop=ManualStop(attempt=2, after_tasks=1)))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL), ("VM 3", FAIL)], [("VM 2", OK)]]
    assert session.stopped_manually
    assert session.status is SessionStatus.FAILED
    assert points(trace) == [RestorePoint("VM 1", FULL, 1, 1), RestorePoint("VM 2", FULL, 1, 2)]


def test_a_stop_planned_for_an_attempt_that_never_runs_has_no_effect() -> None:
    session = only_session(make_job(2), plan(stop=ManualStop(attempt=2, after_tasks=0)))
    assert attempts(session) == [[("VM 1", OK), ("VM 2", OK)]]
    assert not session.stopped_manually
    assert session.status is SessionStatus.SUCCESS


def test_job_failure_with_every_task_processed_is_not_retried() -> None:
    trace = run(make_job(2), plan(job_failures=[1]))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", OK), ("VM 2", OK)]]
    assert [a.job_failure for a in session.attempts] == [True]
    assert session.status is SessionStatus.FAILED
    assert sorted(p.vm for p in points(trace)) == ["VM 1", "VM 2"]


def test_status_follows_the_last_attempt_after_a_job_failure() -> None:
    session = only_session(make_job(2), plan(*failing("VM 2", [1]), job_failures=[1]))
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL)], [("VM 2", OK)]]
    assert [a.job_failure for a in session.attempts] == [True, False]
    assert session.status is SessionStatus.SUCCESS


def test_job_failure_on_the_last_retry_fails_the_session() -> None:
    session = only_session(make_job(2), plan(*failing("VM 2", [1]), job_failures=[2]))
    assert attempts(session) == [[("VM 1", OK), ("VM 2", FAIL)], [("VM 2", OK)]]
    assert [a.job_failure for a in session.attempts] == [False, True]
    assert session.status is SessionStatus.FAILED


# --- What a retry takes ----------------------------------------------------------------------------


def test_a_warned_vm_beside_a_failed_one_is_never_retried() -> None:
    trace = run(make_job(3), plan(("VM 1", 1, WARN), *failing("VM 2", [1]), ("VM 1", 2, FAIL)))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", WARN), ("VM 2", FAIL), ("VM 3", OK)], [("VM 2", OK)]]
    assert session.status is SessionStatus.WARNING
    assert [p for p in points(trace) if p.vm == "VM 1"] == [RestorePoint("VM 1", FULL, 1, 1)]


def test_a_retry_runs_only_the_failed_tasks_in_job_order() -> None:
    outcomes = failing("VM 1", [1, 2]) + failing("VM 3", [1]) + failing("VM 4", [1])
    session = only_session(make_job(4), plan(*outcomes))
    assert attempts(session) == [
        [("VM 1", FAIL), ("VM 2", OK), ("VM 3", FAIL), ("VM 4", FAIL)],
        [("VM 1", FAIL), ("VM 3", OK), ("VM 4", OK)],
        [("VM 1", OK)],
    ]
    assert session.status is SessionStatus.SUCCESS


# --- Files of a retry ------------------------------------------------------------------------------


def test_per_machine_retry_writes_new_files() -> None:
    trace = run(make_job(2, PER_MACHINE), plan(*failing("VM 2", [1])))
    assert file_summary(trace) == [
        (FULL, 1, 1, frozenset({RestorePoint("VM 1", FULL, 1, 1)})),
        (FULL, 1, 2, frozenset({RestorePoint("VM 2", FULL, 1, 2)})),
    ]


def test_single_file_retry_writes_into_the_sessions_file() -> None:
    trace = run(make_job(2, SINGLE_FILE), plan(*failing("VM 2", [1])))
    assert file_summary(trace) == [
        (FULL, 1, 1, frozenset({RestorePoint("VM 1", FULL, 1, 1), RestorePoint("VM 2", FULL, 1, 2)})),
    ]


def test_single_file_is_created_by_the_first_attempt_that_processes_a_vm() -> None:
    outcomes = failing("VM 1", [1]) + failing("VM 2", [1])
    trace = run(make_job(2, SINGLE_FILE), plan(*outcomes))
    (session,) = trace.sessions
    assert attempts(session) == [[("VM 1", FAIL), ("VM 2", FAIL)], [("VM 1", OK), ("VM 2", OK)]]
    assert session.status is SessionStatus.SUCCESS
    assert file_summary(trace) == [
        (FULL, 1, 2, frozenset({RestorePoint("VM 1", FULL, 1, 2), RestorePoint("VM 2", FULL, 1, 2)})),
    ]


def test_a_session_that_processes_nothing_leaves_no_file() -> None:
    job = make_job(2, SINGLE_FILE, RetrySettings(count=0))
    trace = run(job, plan(*failing("VM 1", [1]), *failing("VM 2", [1])))
    assert trace.files == ()
    assert trace.sessions[0].status is SessionStatus.FAILED


@pytest.mark.parametrize("chain", [PER_MACHINE, SINGLE_FILE])
def test_three_sessions_make_a_full_then_incrementals(chain: ChainFormat) -> None:
    trace = run(make_job(2, chain), plan(), plan(), plan())
    assert [s.status for s in trace.sessions] == [SessionStatus.SUCCESS] * 3
    assert [(p.vm, p.kind, p.session) for p in points(trace)] == [
        ("VM 1", FULL, 1),
        ("VM 2", FULL, 1),
        ("VM 1", INCREMENTAL, 2),
        ("VM 2", INCREMENTAL, 2),
        ("VM 1", INCREMENTAL, 3),
        ("VM 2", INCREMENTAL, 3),
    ]
    if chain is PER_MACHINE:
        assert [(f.kind, f.session) for f in trace.files] == [
            (FULL, 1),
            (FULL, 1),
            (INCREMENTAL, 2),
            (INCREMENTAL, 2),
            (INCREMENTAL, 3),
            (INCREMENTAL, 3),
        ]
    else:
        assert [(f.kind, f.session) for f in trace.files] == [(FULL, 1), (INCREMENTAL, 2), (INCREMENTAL, 3)]


def test_a_vm_first_backed_up_in_a_later_session_gets_a_full_point() -> None:
    trace = run(make_job(2, SINGLE_FILE, RetrySettings(count=0)), plan(*failing("VM 2", [1])), plan(), plan())
    assert [(p.vm, p.kind, p.session) for p in points(trace)] == [
        ("VM 1", FULL, 1),
        ("VM 1", INCREMENTAL, 2),
        ("VM 2", FULL, 2),
        ("VM 1", INCREMENTAL, 3),
        ("VM 2", INCREMENTAL, 3),
    ]
    assert [f.kind for f in trace.files] == [FULL, INCREMENTAL, INCREMENTAL]


# --- session_status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "job_failure", "stopped", "expected"),
    [
        ({"VM 1": OK, "VM 2": OK}, False, False, SessionStatus.SUCCESS),
        ({"VM 1": OK, "VM 2": WARN}, False, False, SessionStatus.WARNING),
        ({"VM 1": WARN, "VM 2": FAIL}, False, False, SessionStatus.FAILED),
        ({"VM 1": OK, "VM 2": None}, False, False, SessionStatus.FAILED),
        ({"VM 1": OK, "VM 2": OK}, True, False, SessionStatus.FAILED),
        ({"VM 1": OK, "VM 2": OK}, False, True, SessionStatus.FAILED),
    ],
)
def test_session_status(
    results: dict[str, TaskResult | None], job_failure: bool, stopped: bool, expected: SessionStatus
) -> None:
    assert engine.session_status(results, job_failure=job_failure, stopped=stopped) is expected


# --- Validation of the model ---------------------------------------------------------------------------


def test_negative_retry_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="retry count must be 0 or more, got -1"):
        RetrySettings(count=-1)


def test_duplicate_vm_is_rejected() -> None:
    with pytest.raises(ValueError, match="must be unique"):
        Job("Job", ("VM 1", "VM 1"), PER_MACHINE)


def test_job_without_vms_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one VM"):
        Job("Job", (), PER_MACHINE)


def test_scenario_without_sessions_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one session"):
        Scenario(make_job(), ())


def test_outcomes_for_unknown_vms_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"session 2 injects outcomes for VMs not in the job: \['VM 9'\]"):
        Scenario(make_job(2), (plan(), plan(("VM 9", 1, FAIL))))


def test_two_outcomes_for_the_same_vm_and_attempt_are_rejected() -> None:
    with pytest.raises(ValueError, match="session 1 injects two outcomes for the same VM and attempt"):
        Scenario(make_job(2), (plan(("VM 1", 1, FAIL), ("VM 1", 1, OK)),))


@pytest.mark.parametrize(("attempt", "after_tasks"), [(0, 1), (1, -1)])
def test_invalid_manual_stop_is_rejected(attempt: int, after_tasks: int) -> None:
    with pytest.raises(ValueError, match="a stop needs attempt >= 1 and after_tasks >= 0"):
        ManualStop(attempt, after_tasks)


def test_valid_model_values_are_accepted() -> None:
    scenario = Scenario(
        make_job(2, retry=RetrySettings(count=0)), (plan(("VM 1", 1, FAIL), ("VM 1", 2, OK)),)
    )
    assert scenario.job.retry.effective_count == 0
    assert scenario.sessions[0].injected() == {1: {"VM 1": FAIL}, 2: {"VM 1": OK}}


def test_file_ids_are_unique_across_sessions() -> None:
    trace = run(make_job(3, PER_MACHINE), plan(*failing("VM 2", [1])), plan(), plan())
    ids = [f.id for f in trace.files]
    assert len(ids) == 9
    assert len(set(ids)) == 9
