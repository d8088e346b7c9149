"""The rules from Veeam's related pages in the engine, the codec, the contract and the capabilities: the
wait between retries, the Retry command, notifications, the post-job script and the chained job."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit import contract
from retrykit.codec import scenario_from_json, scenario_to_json, trace_from_json, trace_to_json
from retrykit.drivers import CORE_CAPABILITIES, RELATED_CAPABILITIES, required_capabilities
from retrykit.reference import engine
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    Notification,
    Notifications,
    RetrySettings,
    Scenario,
    SessionPlan,
    SessionStatus,
    StopMode,
    TaskResult,
    Trace,
    Trigger,
)
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import FileCreation

FAIL, WARN = TaskResult.FAILED, TaskResult.WARNING
FAILED, SUCCESS = SessionStatus.FAILED, SessionStatus.SUCCESS
RELATED_RULES = (
    "JR.WAIT.BETWEEN",
    "JR.WAIT.CONTINUOUS",
    "JR.MANUAL-RETRY.ONLY-FAILED",
    "JR.MANUAL-RETRY.SCOPE",
    "JR.MANUAL-RETRY.NOT-RETRIED",
    "JR.MANUAL-RETRY.CHAIN",
    "JR.NOTIFY.SUPPRESSED",
    "JR.NOTIFY.EVERY-RETRY",
    "JR.NOTIFY.INITIAL-RUN",
    "JR.AFTER-JOB.SCRIPT",
    "JR.AFTER-JOB.CHAINED",
)


def job(vms: int = 2, **changes: object) -> Job:
    return replace(
        Job("Job", tuple(f"VM {n}" for n in range(1, vms + 1)), ChainFormat.PER_MACHINE), **changes
    )


def session(*outcomes: tuple[str, int, TaskResult], trigger: Trigger = Trigger.SCHEDULED) -> SessionPlan:
    return SessionPlan(trigger, tuple(InjectedOutcome(vm, a, r) for vm, a, r in outcomes))


def fails(vm: str, *attempts: int) -> list[tuple[str, int, TaskResult]]:
    return [(vm, a, FAIL) for a in attempts]


def run(j: Job, *plans: SessionPlan) -> Trace:
    return engine.run(Scenario(j, plans))


# --- the engine -----------------------------------------------------------------------------------------


def test_each_retry_waits_the_span_set_on_the_engines_clock() -> None:
    trace = run(job(retry=RetrySettings(wait_minutes=10)), session(*fails("VM 2", 1, 2, 3, 4)))
    times = [(a.started_at, a.ended_at) for a in trace.sessions[0].attempts]
    assert times == [(0, 2), (12, 13), (23, 24), (34, 35)]


def test_a_continuous_schedule_retries_at_once_whatever_the_wait() -> None:
    j = job(retry=RetrySettings(count=1, wait_minutes=10), continuous_schedule=True)
    first, retry = run(j, session(*fails("VM 1", 1))).sessions[0].attempts
    assert retry.started_at == first.ended_at


def test_times_are_reported_only_where_the_scenario_asks_for_them() -> None:
    trace = run(job(), session(*fails("VM 1", 1)))
    assert all(a.started_at is None and a.ended_at is None for a in trace.sessions[0].attempts)


@pytest.mark.parametrize("result", [None, WARN])
def test_a_retry_after_a_session_that_did_not_fail_is_refused(result: TaskResult | None) -> None:
    first = session(("VM 1", 1, result)) if result else session()
    trace = run(job(), first, session(trigger=Trigger.RETRY))
    assert trace.sessions[1].refused and trace.sessions[1].attempts == ()
    assert len(trace.files) == 2


def test_a_retry_after_a_failed_session_runs_only_what_it_left_and_is_not_retried() -> None:
    j = job(3, retry=RetrySettings(count=1))
    trace = run(
        j, session(("VM 1", 1, WARN), *fails("VM 2", 1, 2)), session(*fails("VM 2", 1), trigger=Trigger.RETRY)
    )
    retry = trace.sessions[1]
    assert not retry.refused and retry.status is FAILED
    assert [[t.vm for t in a.tasks] for a in retry.attempts] == [["VM 2"]]


def test_a_refused_retry_changes_nothing_a_later_retry_is_judged_on() -> None:
    trace = run(
        job(),
        session(*fails("VM 2", 1, 2, 3, 4)),
        session(trigger=Trigger.RETRY),
        session(trigger=Trigger.RETRY),
    )
    assert [s.refused for s in trace.sessions] == [False, False, True]


def test_a_retry_after_a_session_failed_only_by_a_job_level_error_runs_no_task() -> None:
    failed = SessionPlan(job_failure_attempts=frozenset({1}))
    trace = run(job(), failed, session(trigger=Trigger.RETRY))
    assert trace.sessions[0].status is FAILED
    assert [a.tasks for a in trace.sessions[1].attempts] == [()] and trace.sessions[1].status is SUCCESS


@pytest.mark.parametrize("mode", list(StopMode))
def test_a_retry_with_no_task_left_can_still_be_stopped(mode: StopMode) -> None:
    """Its one run is a run: a stop during it stops the session, and a stop fails it (the default reading
    of a graceful stop, and the page for an immediate one)."""
    failed = SessionPlan(job_failure_attempts=frozenset({1}))
    stopped = SessionPlan(Trigger.RETRY, stop=ManualStop(1, 0, mode))
    retry = run(job(), failed, stopped).sessions[1]
    assert retry.stopped_manually and retry.status is FAILED


def test_a_retry_with_no_task_left_creates_its_empty_file_when_the_initial_run_creates_files() -> None:
    """Under the reading sf-file-creation=initial-run a session's initial run creates its file even empty;
    a Retry run with nothing left is such an initial run."""
    single = job(chain_format=ChainFormat.SINGLE_FILE)
    plans = (SessionPlan(job_failure_attempts=frozenset({1})), session(trigger=Trigger.RETRY))
    readings = replace(DEFAULT_READINGS, sf_file_creation=FileCreation.INITIAL_RUN)
    trace = engine.run(Scenario(single, plans, readings))
    assert [(f.session, f.attempt, f.restore_points) for f in trace.files][-1] == (2, 1, ())


def test_a_single_file_retry_writes_a_file_of_its_own() -> None:
    j = job(chain_format=ChainFormat.SINGLE_FILE, retry=RetrySettings(enabled=False))
    trace = run(j, session(*fails("VM 2", 1)), session(trigger=Trigger.RETRY))
    assert [(f.session, [p.vm for p in f.restore_points]) for f in trace.files] == [
        (1, ["VM 1"]),
        (2, ["VM 2"]),
    ]


def test_session_one_cannot_be_a_retry() -> None:
    with pytest.raises(ValueError, match="cannot be a Retry"):
        Scenario(job(), (session(trigger=Trigger.RETRY),))


@pytest.mark.parametrize(
    ("held", "sent"),
    [(True, [(3, SUCCESS)]), (False, [(1, FAILED), (2, FAILED), (3, SUCCESS)])],
)
def test_notifications_held_back_or_one_per_attempt(
    held: bool, sent: list[tuple[int, SessionStatus]]
) -> None:
    trace = run(job(notifications=Notifications(held)), session(*fails("VM 2", 1, 2)))
    assert trace.sessions[0].notifications == tuple(Notification(a, s) for a, s in sent)


def test_script_and_chained_job_run_once_after_the_last_attempt() -> None:
    j = job(post_job_script=True, chained_job=True)
    scheduled, manual = run(
        j, session(*fails("VM 1", 1, 2, 3, 4)), session(*fails("VM 1", 1), trigger=Trigger.MANUAL)
    ).sessions
    assert (scheduled.post_job_script_after, scheduled.chained_job_after) == ((4,), (4,))
    assert (manual.post_job_script_after, manual.chained_job_after) == ((1,), (1,))


# --- capabilities, codec, contract ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("j", "plans", "capability"),
    [
        (job(retry=RetrySettings(wait_minutes=5)), (), "retry_wait"),
        (job(continuous_schedule=True), (), "retry_wait"),
        (job(), (session(trigger=Trigger.RETRY),), "trigger:retry"),
        (job(post_job_script=True), (), "post_job"),
        (job(chained_job=True), (), "post_job"),
        (job(notifications=Notifications(False)), (), "notifications"),
    ],
)
def test_each_family_needs_its_own_capability(
    j: Job, plans: tuple[SessionPlan, ...], capability: str
) -> None:
    needed = required_capabilities(Scenario(j, (session(), *plans)))
    assert needed & RELATED_CAPABILITIES == {capability}


def test_a_scenario_of_the_page_alone_reads_as_it_did_in_protocol_1_1() -> None:
    scenario = Scenario(job(), (session(*fails("VM 1", 1)),))
    assert required_capabilities(scenario) <= CORE_CAPABILITIES
    assert set(scenario_to_json(scenario)["job"]) == {"name", "vms", "chain_format", "backup_method", "retry"}
    assert all(
        set(s) <= {"number", "trigger", "status", "stopped_manually", "attempts"}
        for s in trace_to_json(engine.run(scenario))["sessions"]
    )


def test_scenarios_and_traces_with_every_related_field_survive_the_json_round_trip() -> None:
    j = job(
        retry=RetrySettings(count=2, wait_minutes=7),
        continuous_schedule=True,
        notifications=Notifications(True),
        post_job_script=True,
        chained_job=True,
    )
    scenario = Scenario(
        j, (session(*fails("VM 1", 1, 2, 3)), session(trigger=Trigger.RETRY), session(trigger=Trigger.RETRY))
    )
    assert scenario_from_json(scenario_to_json(scenario)) == scenario
    trace = engine.run(scenario)
    assert trace_from_json(trace_to_json(trace)) == trace


def test_a_trace_without_times_where_a_wait_is_set_breaches_the_contract() -> None:
    scenario = Scenario(job(retry=RetrySettings(wait_minutes=3)), (session(*fails("VM 1", 1)),))
    trace = engine.run(scenario)
    bare = replace(
        trace,
        sessions=tuple(
            replace(s, attempts=tuple(replace(a, started_at=None) for a in s.attempts))
            for s in trace.sessions
        ),
    )
    assert any("started_at" in breach for breach in contract.breaches(scenario, bare))


def test_only_a_retry_can_be_refused() -> None:
    scenario = Scenario(job(), (session(),))
    trace = engine.run(scenario)
    refused = replace(trace, sessions=(replace(trace.sessions[0], refused=True),))
    assert any("only a Retry" in breach for breach in contract.breaches(scenario, refused))


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_an_adapter_of_protocol_1_1_conforms_with_the_related_rules_not_applicable(tmp_path: Path) -> None:
    """The Node example declares none of the new capabilities: their scenarios are not applicable."""
    command = [
        sys.executable, "-m", "pytest", str(ROOT / "features"), "-q", "-p", "no:randomly",
        "--adapter", f"node {ROOT / 'adapters' / 'node' / 'adapter.mjs'}", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stdout[-2000:]
    assert report["conforms"] == "yes"
    verdicts = {r["id"]: r["verdict"] for r in report["rules"]}
    assert {verdicts[rule] for rule in RELATED_RULES} == {"not applicable"}
