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
    RetrySettings,
    Scenario,
    SessionPlan,
    TaskResult,
    Trigger,
)
from retrykit.space import DEFAULT, JOB_NAME, Bound, retry_settings, scenarios, size

TINY = Bound(
    max_vms=2,
    max_sessions=2,
    retries=(RetrySettings(count=1), RetrySettings(enabled=False)),
    chain_formats=(ChainFormat.SINGLE_FILE,),
    max_injections=3,
)


@cache
def default_space() -> tuple[Scenario, ...]:
    return tuple(scenarios(DEFAULT))


@cache
def default_set() -> frozenset[Scenario]:
    return frozenset(default_space())


def injections(scenario: Scenario) -> tuple[int, int, int]:
    """(all injections, stops, job-level errors), the budgets of a bound."""
    stops = sum(p.stop is not None for p in scenario.sessions)
    failures = sum(len(p.job_failure_attempts) for p in scenario.sessions)
    return sum(len(p.outcomes) for p in scenario.sessions) + stops + failures, stops, failures


def within(scenario: Scenario, bound: Bound) -> bool:
    total, stops, failures = injections(scenario)
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
            stop = ManualStop(stop.attempt, tasks[stop.attempt]) if stop.attempt in tasks else None
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
    the retry count, any stop after fewer tasks than VMs, any job-level errors; within the budgets."""
    for vm_count, retry, chain in itertools.product(
        range(1, bound.max_vms + 1), bound.retries, bound.chain_formats
    ):
        vms = tuple(vm_name(k) for k in range(1, vm_count + 1))
        job = Job(JOB_NAME, vms, chain, retry=retry)
        attempts = range(1, retry.effective_count + 2)
        cells = [(vm, a) for vm in vms for a in attempts]
        plans = []
        for trigger in bound.triggers:
            for drawn in itertools.product((None, *bound.results), repeat=len(cells)):
                outcomes = tuple(
                    InjectedOutcome(vm, a, r) for (vm, a), r in zip(cells, drawn, strict=True) if r
                )
                for stop in [None, *(ManualStop(a, t) for a in attempts for t in range(vm_count))]:
                    for k in range(len(attempts) + 1):
                        for failures in itertools.combinations(attempts, k):
                            plan = SessionPlan(trigger, outcomes, stop, frozenset(failures))
                            if within(Scenario(job, (plan,)), bound):
                                plans.append(plan)
        for count in range(1, bound.max_sessions + 1):
            for sessions in itertools.product(plans, repeat=count):
                scenario = Scenario(job, sessions)
                if within(scenario, bound):
                    yield scenario


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
        assert within(scenario, DEFAULT)
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
    assert size(DEFAULT) == 72_130 and "72,130" in Path(space_module.__file__).read_text(encoding="utf-8")
    space = default_space()
    assert {s.job.retry for s in space} == set(retry_settings(1))
    assert {len(s.job.vms) for s in space} == {1, 2, 3}
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
    assume(within(reduced, DEFAULT))
    assume(all(p.stop is None or p.stop.after_tasks < len(drawn.job.vms) for p in reduced.sessions))
    assert canonical(reduced) in default_set()
