"""The one ``When`` step: hand the scenario, as plain data, to the target and keep its trace."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pytest_bdd import when

from retrykit import contract
from retrykit.adapter import AdapterTarget
from retrykit.drivers import Target, required_capabilities, run_consistently
from retrykit.errors import TargetError
from retrykit.oracles import Violation, judge
from retrykit.reference.model import Scenario, Trace
from retrykit.steps.draft import ScenarioDraft


@dataclass(frozen=True)
class Run:
    scenario: Scenario
    trace: Trace
    violations: tuple[Violation, ...]


RUN_KEY = pytest.StashKey[Run]()
SCENARIO_KEY = pytest.StashKey[Scenario]()
MISSING_KEY = pytest.StashKey[tuple[str, ...]]()
NOT_APPLICABLE = "not applicable: "


@when("the job's sessions run", target_fixture="run")
def sessions_run(draft: ScenarioDraft, target: Target, request: pytest.FixtureRequest) -> Run:
    scenario = draft.build()
    request.node.stash[SCENARIO_KEY] = scenario
    missing = tuple(sorted(required_capabilities(scenario) - target.identity.capabilities))
    if missing:
        request.node.stash[MISSING_KEY] = missing
        pytest.skip(f"{NOT_APPLICABLE}{target.identity.name} does not declare {', '.join(missing)}")
    try:
        trace = run_consistently(target, scenario, request.config.getoption("repeat"))
    except TargetError:
        if isinstance(target, AdapterTarget) and target.gave_up:
            request.session.shouldstop = f"stopped early: {target.gave_up}"
        raise
    contract.enforce(scenario, trace)
    run = Run(scenario, trace, tuple(judge(scenario, trace)))
    request.node.stash[RUN_KEY] = run
    return run
