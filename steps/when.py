"""The one ``When`` step: hand the scenario, as plain data, to the target and keep its trace.

Through an adapter with a window, the scenarios were sent all at once before the first test needed one
(retrykit.prefetch); the step then takes its scenario's outcome instead of asking again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pytest_bdd import when

from retrykit import contract, prefetch
from retrykit.adapter import AdapterTarget
from retrykit.drivers import Target, required_capabilities, run_consistently
from retrykit.errors import TargetError, TargetSkipped
from retrykit.oracles import Violation, judge, judge_refusal
from retrykit.reference.model import Scenario, Trace
from retrykit.reference.readings import Readings
from retrykit.steps.draft import ScenarioDraft


@dataclass(frozen=True)
class Run:
    scenario: Scenario
    trace: Trace
    violations: tuple[Violation, ...]
    refused: str = ""
    """Why the target answered 'skipped' to a scenario whose refusal a rule judges (the trace is then
    empty): a setting its readings refuse, or one they accept (retrykit.oracles.judge_refusal)."""


NOTHING_RAN = Trace((), ())


RUN_KEY = pytest.StashKey[Run]()
SCENARIO_KEY = pytest.StashKey[Scenario]()
MISSING_KEY = pytest.StashKey[tuple[str, ...]]()
NOT_APPLICABLE = "not applicable: "


@pytest.fixture(scope="session")
def prefetched(target: Target, run_readings: Readings, request: pytest.FixtureRequest) -> prefetch.Prefetched:
    """The outcomes of every scenario of the session, when prefetching is wanted (retrykit.prefetch)."""
    if not isinstance(target, AdapterTarget) or not prefetch.wanted(request.config, target):
        return prefetch.Prefetched()
    built = prefetch.scenarios_of(request.config, request.session.items, run_readings)
    return prefetch.fetch(target, built)


@when("the job's sessions run", target_fixture="run")
def sessions_run(
    draft: ScenarioDraft, target: Target, prefetched: prefetch.Prefetched, request: pytest.FixtureRequest
) -> Run:
    scenario = draft.build()
    request.node.stash[SCENARIO_KEY] = scenario
    other_reading = request.node.stash.get(MISSING_KEY, ())
    if other_reading:
        pytest.skip(f"{NOT_APPLICABLE}written for {', '.join(other_reading)}; the run is under another")
    missing = tuple(sorted(required_capabilities(scenario) - target.identity.capabilities))
    if missing:
        request.node.stash[MISSING_KEY] = missing
        pytest.skip(f"{NOT_APPLICABLE}{target.identity.name} does not declare {', '.join(missing)}")
    answer = prefetched.take(scenario)
    try:
        if answer is None:
            trace = run_consistently(target, scenario, request.config.getoption("repeat"))
        else:
            trace = answer.trace()
    except TargetSkipped as skipped:
        refusal = judge_refusal(scenario, str(skipped))
        if refusal is None:
            raise
        run = Run(scenario, NOTHING_RAN, tuple(refusal), refused=str(skipped))
        request.node.stash[RUN_KEY] = run
        return run
    except TargetError:
        gave_up = (
            answer.gave_up if answer is not None else isinstance(target, AdapterTarget) and target.gave_up
        )
        if isinstance(target, AdapterTarget) and gave_up:
            request.session.shouldstop = f"stopped early: {target.gave_up}"
        raise
    contract.enforce(scenario, trace)
    run = Run(scenario, trace, tuple(judge(scenario, trace)))
    request.node.stash[RUN_KEY] = run
    return run
