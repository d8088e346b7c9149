"""Properties of the reference engine over every scenario the strategies generate.

Each property restates a rule of the page (or of the kit's reading of it) independently of the
engine's code, so a regression in one branch of the engine shows up as a minimal failing scenario.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from hypothesis import given, settings

from retrykit import contract, strategies
from retrykit.codec import scenario_from_json, scenario_to_json, trace_from_json, trace_to_json
from retrykit.oracles import judge
from retrykit.reference import engine
from retrykit.reference.model import (
    Attempt,
    Job,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    TaskResult,
    Trace,
    Trigger,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)
SCENARIOS = strategies.scenarios()

Latest = dict[str, TaskResult | None]


def sessions_with_plans(scenario: Scenario, trace: Trace) -> Iterator[tuple[SessionPlan, Session]]:
    assert len(trace.sessions) == len(scenario.sessions)
    return zip(scenario.sessions, trace.sessions, strict=True)


def states(job: Job, plan: SessionPlan, session: Session) -> Iterator[tuple[Attempt, Latest, bool]]:
    """After each attempt: the attempt, each task's latest result so far, and whether a stop hit it."""
    latest: Latest = dict.fromkeys(job.vms)
    for attempt in session.attempts:
        for task in attempt.tasks:
            latest[task.vm] = task.result
        stopped = plan.stop is not None and plan.stop.attempt == attempt.number
        yield attempt, dict(latest), stopped


def status_of(latest: Latest, *, job_failure: bool, stopped: bool) -> SessionStatus:
    """The page's status, written out here rather than taken from the engine."""
    if stopped or job_failure or any(result in (None, TaskResult.FAILED) for result in latest.values()):
        return SessionStatus.FAILED
    if TaskResult.WARNING in latest.values():
        return SessionStatus.WARNING
    return SessionStatus.SUCCESS


def unprocessed(latest: Latest) -> set[str]:
    return {vm for vm, result in latest.items() if result is None or result is TaskResult.FAILED}


def allowed_attempts(job: Job, plan: SessionPlan) -> int:
    return 1 if plan.trigger is Trigger.MANUAL else 1 + job.retry.effective_count


@PROPERTY
@given(SCENARIOS)
def test_sessions_follow_the_plan_and_never_exceed_their_attempts(scenario: Scenario) -> None:
    trace = engine.run(scenario)
    assert [s.number for s in trace.sessions] == list(range(1, len(scenario.sessions) + 1))
    for plan, session in sessions_with_plans(scenario, trace):
        assert session.trigger is plan.trigger
        assert 1 <= len(session.attempts) <= allowed_attempts(scenario.job, plan)
        assert [a.number for a in session.attempts] == list(range(1, len(session.attempts) + 1))


@PROPERTY
@given(SCENARIOS)
def test_a_retry_never_reprocesses_a_processed_task(scenario: Scenario) -> None:
    for session in engine.run(scenario).sessions:
        processed: set[str] = set()
        for attempt in session.attempts:
            vms = [t.vm for t in attempt.tasks]
            assert len(vms) == len(set(vms)), f"attempt {attempt.number} runs a VM twice: {vms}"
            assert processed.isdisjoint(vms), f"attempt {attempt.number} reruns {processed & set(vms)}"
            processed.update(t.vm for t in attempt.tasks if t.result.processed)


@PROPERTY
@given(SCENARIOS)
def test_each_attempt_runs_the_unprocessed_tasks_in_job_order(scenario: Scenario) -> None:
    """The initial run takes every VM, a retry every VM still failed; a stop cuts the list short."""
    job = scenario.job
    for plan, session in sessions_with_plans(scenario, engine.run(scenario)):
        latest: Latest = dict.fromkeys(job.vms)
        for attempt in session.attempts:
            due = [vm for vm in job.vms if vm in unprocessed(latest)]
            if plan.stop is not None and plan.stop.attempt == attempt.number:
                due = due[: plan.stop.after_tasks]
            assert [t.vm for t in attempt.tasks] == due
            latest.update((t.vm, t.result) for t in attempt.tasks)


@PROPERTY
@given(SCENARIOS)
def test_a_retry_runs_exactly_when_one_is_due(scenario: Scenario) -> None:
    """Only after a failed, unstopped, scheduled attempt with work left; and always then, until the
    retries are used up. The session ends with the status its last attempt left."""
    for plan, session in sessions_with_plans(scenario, engine.run(scenario)):
        *retried, (last, latest, stopped) = states(scenario.job, plan, session)
        for attempt, before_retry, stopped_here in retried:
            status = status_of(before_retry, job_failure=attempt.job_failure, stopped=stopped_here)
            assert status is SessionStatus.FAILED, f"retried after attempt {attempt.number} left {status}"
            assert unprocessed(before_retry), f"retried after attempt {attempt.number} processed all"
            assert plan.trigger is Trigger.SCHEDULED, "retried a manually started session"
            assert not stopped_here, f"retried after the stop in attempt {attempt.number}"
        status = status_of(latest, job_failure=last.job_failure, stopped=stopped)
        retry_due = status is SessionStatus.FAILED and bool(unprocessed(latest)) and not stopped
        assert not retry_due or last.number == allowed_attempts(scenario.job, plan)
        assert session.status is status


@PROPERTY
@given(SCENARIOS)
def test_manual_sessions_and_stops_end_the_session(scenario: Scenario) -> None:
    for plan, session in sessions_with_plans(scenario, engine.run(scenario)):
        if plan.trigger is Trigger.MANUAL:
            assert len(session.attempts) == 1
        stop_reached = plan.stop is not None and plan.stop.attempt <= len(session.attempts)
        assert session.stopped_manually == stop_reached
        if plan.stop is not None and stop_reached:
            assert session.attempts[-1].number == plan.stop.attempt
            assert len(session.attempts[-1].tasks) <= plan.stop.after_tasks
            assert session.status is SessionStatus.FAILED


@PROPERTY
@given(SCENARIOS)
def test_each_vm_processed_in_a_session_has_exactly_one_restore_point_from_it(scenario: Scenario) -> None:
    trace = engine.run(scenario)
    for session in trace.sessions:
        processed = {t.vm for a in session.attempts for t in a.tasks if t.result.processed}
        written = Counter(p.vm for f in trace.files for p in f.restore_points if p.session == session.number)
        assert written == Counter(processed)


@PROPERTY
@given(SCENARIOS)
def test_the_reference_breaks_no_rule_and_keeps_the_contract(scenario: Scenario) -> None:
    trace = engine.run(scenario)
    assert judge(scenario, trace) == []
    assert contract.breaches(scenario, trace) == []


@PROPERTY
@given(SCENARIOS)
def test_scenario_and_trace_survive_the_json_round_trip(scenario: Scenario) -> None:
    assert scenario_from_json(scenario_to_json(scenario)) == scenario
    trace = engine.run(scenario)
    assert trace_from_json(trace_to_json(trace)) == trace


@PROPERTY
@given(SCENARIOS)
def test_the_engine_is_deterministic(scenario: Scenario) -> None:
    assert engine.run(scenario) == engine.run(scenario)


@PROPERTY
@given(SCENARIOS)
def test_generated_scenarios_name_only_attempts_that_can_run(scenario: Scenario) -> None:
    last = strategies.max_attempts(scenario.job)
    assert scenario.job.vms == tuple(f"VM {n}" for n in range(1, len(scenario.job.vms) + 1))
    for plan in scenario.sessions:
        assert all(1 <= o.attempt <= last for o in plan.outcomes)
        assert all(1 <= a <= last for a in plan.job_failure_attempts)
        if plan.stop is not None:
            assert 1 <= plan.stop.attempt <= last
            assert 0 <= plan.stop.after_tasks <= len(scenario.job.vms)
