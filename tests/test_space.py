"""The exhaustive space: valid, distinct, live, reduced by VM order only where order is unobservable,
counted right, and complete (checked against a brute force that shares nothing with retrykit.space)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from retrykit import space as space_module
from retrykit import strategies
from retrykit.codec import scenario_from_json, scenario_to_json
from retrykit.naming import vm_name
from retrykit.reference import engine
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    Notifications,
    RetrySettings,
    Scenario,
    SessionPlan,
    StopMode,
    TaskResult,
    Trigger,
)
from retrykit.space import DEFAULT, EXTRAS, JOB_NAME, PLAIN, Bound, JobExtras, retry_settings, scenarios, size

TINY = Bound(
    max_vms=2,
    max_sessions=2,
    retries=(RetrySettings(count=1), RetrySettings(enabled=False)),
    chain_formats=(ChainFormat.SINGLE_FILE,),
    max_injections=3,
    extras=(JobExtras(notifications=Notifications(suppress_until_last_retry=True)),),
)


@cache
def default_space() -> tuple[Scenario, ...]:
    return tuple(scenarios(DEFAULT))


@cache
def default_set() -> frozenset[Scenario]:
    return frozenset(default_space())


def injections(plans: tuple[SessionPlan, ...]) -> tuple[int, int, int]:
    """(all injections, stops, job-level errors), the budgets of a bound."""
    stops = sum(p.stop is not None for p in plans)
    failures = sum(len(p.job_failure_attempts) for p in plans)
    return sum(len(p.outcomes) for p in plans) + stops + failures, stops, failures


def within(plans: tuple[SessionPlan, ...], bound: Bound) -> bool:
    total, stops, failures = injections(plans)
    return total <= bound.max_injections and stops <= bound.max_stops and failures <= bound.max_job_failures


def live(scenario: Scenario) -> Scenario:
    """The scenario without what the reference never reaches and without injected successes, a stop
    after more tasks than its attempt runs cut to those tasks."""
    plans = []
    for plan, session in zip(scenario.sessions, engine.run(scenario).sessions, strict=True):
        ran = {(a.number, t.vm) for a in session.attempts for t in a.tasks}
        tasks = {a.number: len(a.tasks) for a in session.attempts}
        stop = plan.stop
        if stop is not None:
            stop = ManualStop(stop.attempt, tasks[stop.attempt], stop.mode) if stop.attempt in tasks else None
        outcomes = tuple(
            o for o in plan.outcomes if (o.attempt, o.vm) in ran and o.result is not TaskResult.SUCCESS
        )
        failures = frozenset(a for a in plan.job_failure_attempts if a in tasks)
        plans.append(SessionPlan(plan.trigger, outcomes, stop, failures))
    return Scenario(scenario.job, tuple(plans))


def renamed(scenario: Scenario, order: tuple[int, ...]) -> Scenario:
    """VM ``order[k]`` (0-based) becomes "VM k+1"; outcomes listed by VM, then attempt."""
    position = {scenario.job.vms[old]: new for new, old in enumerate(order)}
    plans = tuple(
        replace(
            plan,
            outcomes=tuple(
                InjectedOutcome(vm_name(position[o.vm] + 1), o.attempt, o.result)
                for o in sorted(plan.outcomes, key=lambda o: (position[o.vm], o.attempt))
            ),
        )
        for plan in scenario.sessions
    )
    return Scenario(scenario.job, plans)


def signature(scenario: Scenario, vm: str) -> tuple[tuple[tuple[int, str], ...], ...]:
    return tuple(
        tuple(sorted((o.attempt, o.result.value) for o in plan.outcomes if o.vm == vm))
        for plan in scenario.sessions
    )


def canonical(scenario: Scenario) -> Scenario:
    """The representative of a scenario's VM orders: itself with a stop, else VMs sorted by signature."""
    if any(p.stop is not None for p in scenario.sessions):
        return renamed(scenario, tuple(range(len(scenario.job.vms))))
    vms = scenario.job.vms
    order = tuple(sorted(range(len(vms)), key=lambda k: signature(scenario, vms[k])))
    return renamed(scenario, order)


def brute_force(bound: Bound) -> Iterator[Scenario]:
    """Every scenario the literal reading allows: any injected non-success outcome on any attempt up to 1 +
    the retry count, any stop after fewer tasks than VMs (a graceful one also after all of them), any
    job-level errors; within the budgets. Graceful stops and Retry-command sessions (never the first) on
    plain jobs of up to ``later_max_vms`` VMs, the extra job settings on jobs of up to
    ``extras_max_vms``."""
    for vm_count, retry, chain in itertools.product(
        range(1, bound.max_vms + 1), bound.retries, bound.chain_formats
    ):
        vms = tuple(vm_name(k) for k in range(1, vm_count + 1))
        for extras in (PLAIN, *bound.extras) if vm_count <= bound.extras_max_vms else (PLAIN,):
            job = Job(
                JOB_NAME,
                vms,
                chain,
                retry=RetrySettings(retry.enabled, retry.count, extras.wait_minutes),
                continuous_schedule=extras.continuous_schedule,
                notifications=extras.notifications,
                post_job_script=extras.post_job_script,
                chained_job=extras.chained_job,
            )
            yield from _brute_force_job(bound, job, vm_count <= bound.later_max_vms and extras == PLAIN)


def _brute_force_job(bound: Bound, job: Job, later: bool) -> Iterator[Scenario]:
    vm_count = len(job.vms)
    modes = bound.stop_modes if later else (StopMode.IMMEDIATE,)
    triggers = bound.triggers if later else tuple(t for t in bound.triggers if t is not Trigger.RETRY)
    attempts = range(1, job.retry.effective_count + 2)
    cells = [(vm, a) for vm in job.vms for a in attempts]
    stops = [None] + [
        ManualStop(a, t, mode)
        for mode in modes
        for a in attempts
        for t in range(vm_count + (mode is StopMode.GRACEFUL))
    ]
    plans: dict[Trigger, list[SessionPlan]] = {t: [] for t in triggers}
    for trigger in triggers:
        for drawn in itertools.product((None, *bound.results), repeat=len(cells)):
            outcomes = tuple(InjectedOutcome(vm, a, r) for (vm, a), r in zip(cells, drawn, strict=True) if r)
            for stop in stops if bound.max_stops else [None]:
                for k in range(len(attempts) + 1):
                    for failures in itertools.combinations(attempts, k):
                        plan = SessionPlan(trigger, outcomes, stop, frozenset(failures))
                        if within((plan,), bound):
                            plans[trigger].append(plan)
    first = [plan for t in triggers if t is not Trigger.RETRY for plan in plans[t]]
    every = [plan for t in triggers for plan in plans[t]]
    for count in range(1, bound.max_sessions + 1):
        for sessions in itertools.product(first, *[every] * (count - 1)):
            if within(sessions, bound):
                yield Scenario(job, sessions)


def test_the_space_is_complete_on_a_tiny_bound_and_holds_nothing_else() -> None:
    expected = {canonical(live(s)) for s in brute_force(TINY)}
    assert set(scenarios(TINY)) == expected


def test_without_the_reduction_the_tiny_space_is_every_live_scenario() -> None:
    full = replace(TINY, symmetry=False)
    expected = {renamed(live(s), tuple(range(len(s.job.vms)))) for s in brute_force(full)}
    assert set(scenarios(full)) == expected


def test_every_scenario_is_valid_distinct_and_live() -> None:
    space = default_space()
    assert len(set(space)) == len(space) == size(DEFAULT)
    for scenario in space:
        assert live(scenario) == scenario
        assert within(scenario.sessions, DEFAULT)
        assert scenario_from_json(scenario_to_json(scenario)) == scenario
        assert all(TaskResult.SUCCESS not in {o.result for o in p.outcomes} for p in scenario.sessions)


def test_no_two_scenarios_without_a_stop_are_vm_renamings_of_each_other() -> None:
    unstopped = [s for s in default_space() if all(p.stop is None for p in s.sessions)]
    for scenario in unstopped:
        assert canonical(scenario) == scenario
    assert len({canonical(s) for s in unstopped}) == len(unstopped)


def test_with_a_stop_every_live_vm_order_is_there() -> None:
    """A stop makes job order observable: each reordering is a scenario of its own (when it is live:
    reordered, an outcome may land on a VM the stop leaves unrun)."""
    space = default_set()
    stopped = [s for s in default_space() if any(p.stop is not None for p in s.sessions)]
    others = 0
    for scenario in stopped[:: max(1, len(stopped) // 3000)]:
        for order in itertools.permutations(range(len(scenario.job.vms))):
            reordered = renamed(scenario, order)
            assert reordered in space or live(reordered) != reordered
            others += reordered != scenario and reordered in space
    assert others > 1000


@pytest.mark.parametrize(
    "bound",
    [
        DEFAULT,
        replace(DEFAULT, symmetry=False),
        replace(DEFAULT, max_vms=1, max_sessions=3, max_stops=0),
        replace(DEFAULT, max_injections=0),
        replace(TINY, triggers=(Trigger.MANUAL,), results=(TaskResult.FAILED,)),
    ],
)
def test_size_counts_what_is_yielded(bound: Bound) -> None:
    assert size(bound) == sum(1 for _ in scenarios(bound))


def test_the_default_bound_is_documented_and_reaches_every_setting() -> None:
    assert size(DEFAULT) == 117_380 and "117,380" in Path(space_module.__file__).read_text(encoding="utf-8")
    space = default_space()
    assert {s.job.retry for s in space if s.job.retry.wait_minutes is None} == set(retry_settings(1))
    assert {len(s.job.vms) for s in space} == {1, 2, 3}
    plans = [p for s in space for p in s.sessions]
    assert {p.trigger for p in plans} == set(Trigger) and {p.stop.mode for p in plans if p.stop} == set(
        StopMode
    )
    jobs = {s.job for s in space}
    settings = {
        (j.retry.wait_minutes, j.continuous_schedule, j.notifications, j.post_job_script) for j in jobs
    }
    assert len(settings) == 1 + len(EXTRAS) and any(j.chained_job for j in jobs)
    # The worked examples: a VM failing every attempt of the default setting, then a second session.
    exhausted = tuple(InjectedOutcome("VM 1", a, TaskResult.FAILED) for a in range(1, 5))
    assert (
        Scenario(
            Job(JOB_NAME, ("VM 1",), ChainFormat.PER_MACHINE),
            (SessionPlan(outcomes=exhausted), SessionPlan()),
        )
        in default_set()
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"max_vms": 0},
        {"max_sessions": 0},
        {"max_injections": -1},
        {"results": (TaskResult.SUCCESS,)},
        {"retries": ()},
    ],
)
def test_a_bound_refuses_what_cannot_be_enumerated(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Bound(**fields)  # type: ignore[arg-type]


@settings(
    max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(strategies.scenarios(max_vms=DEFAULT.max_vms, max_sessions=DEFAULT.max_sessions))
def test_any_scenario_explore_could_draw_within_the_bound_is_judged_up_to_dead_cells_and_vm_order(
    drawn: Scenario,
) -> None:
    """What explore samples, exhaust covers: reduced to what the reference reaches and to its VM order
    representative, a generated scenario within the budgets is in the space."""
    assume(drawn.job.retry in DEFAULT.retries)
    reduced = live(replace(drawn, job=replace(drawn.job, name=JOB_NAME)))
    assume(within(reduced.sessions, DEFAULT))
    assume(all(p.stop is None or p.stop.after_tasks < len(drawn.job.vms) for p in reduced.sessions))
    graceful = any(p.stop is not None and p.stop.mode is StopMode.GRACEFUL for p in reduced.sessions)
    assume(not graceful or len(drawn.job.vms) <= DEFAULT.later_max_vms)
    assert canonical(reduced) in default_set()
