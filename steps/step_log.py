"""Which Gherkin step of a scenario failed, recorded as pytest-bdd runs it (retrykit.steplog).

A ``Then`` step fails when it adds a failed expectation to the scenario's claims; any step fails when it
raises (a target error in the ``When`` step, an authoring mistake). When only the rule checks found the
trace at fault, the ``When`` step that fetched it is the one marked. Registered by steps/reporting.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from pytest_bdd import parser as bdd

from retrykit.results import ScenarioResult
from retrykit.steplog import StepLine, StepOutcome
from retrykit.verdicts import ClaimLog, ScenarioFindings

_LOG = pytest.StashKey["_Log"]()


@dataclass
class _Log:
    """One scenario's steps so far, and how many failed claims the steps before the current one made."""

    steps: list[StepLine]
    order: list[bdd.Step]
    """pytest-bdd's own steps, in the same order, to find a hook's step by identity."""
    claims_seen: int = 0


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


class StepLog:
    """The pytest-bdd hooks that fill a scenario's step record."""

    def pytest_bdd_before_scenario(
        self, request: pytest.FixtureRequest, feature: bdd.Feature, scenario: bdd.Scenario
    ) -> None:
        lines = [
            StepLine(
                s.keyword,
                s.name,
                s.line_number,
                table=tuple(tuple(str(c) for c in row) for row in s.datatable.raw()) if s.datatable else (),
            )
            for s in scenario.steps
        ]
        request.node.stash[_LOG] = _Log(lines, list(scenario.steps))

    def pytest_bdd_after_step(
        self,
        request: pytest.FixtureRequest,
        feature: bdd.Feature,
        scenario: bdd.Scenario,
        step: bdd.Step,
        step_func: Callable[..., object],
        step_func_args: dict[str, object],
    ) -> None:
        log = request.node.stash.get(_LOG, None)
        if log is None:
            return
        claims: ClaimLog = request.getfixturevalue("claims")
        new = claims.failed[log.claims_seen :]
        log.claims_seen = len(claims.failed)
        outcome = StepOutcome.FAILED if new else StepOutcome.PASSED
        _mark(log, step, outcome, tuple(c.what for c in new))

    def pytest_bdd_step_error(
        self,
        request: pytest.FixtureRequest,
        feature: bdd.Feature,
        scenario: bdd.Scenario,
        step: bdd.Step,
        step_func: Callable[..., object],
        step_func_args: dict[str, object],
        exception: Exception,
    ) -> None:
        log = request.node.stash.get(_LOG, None)
        if log is not None and not isinstance(exception, ScenarioFindings):  # that one is every step's
            _mark(log, step, StepOutcome.FAILED, (_first_line(exception),))


def _mark(log: _Log, step: bdd.Step, outcome: StepOutcome, notes: tuple[str, ...]) -> None:
    index = next((k for k, s in enumerate(log.order) if s is step), None)
    if index is not None:
        log.steps[index] = replace(log.steps[index], outcome=outcome, notes=notes)


def with_steps(item: pytest.Item, result: ScenarioResult, location: str) -> ScenarioResult:
    """The result with its feature file and line and its marked steps; when no step failed but the rule
    checks did, the ``When`` step that fetched the trace is marked with the rules they found broken."""
    log = item.stash.get(_LOG, None)
    if log is None:
        return replace(result, location=location)
    steps = list(log.steps)
    if result.violations and not any(s.outcome is StepOutcome.FAILED for s in steps):
        when = next((k for k, s in enumerate(log.order) if s.type == "when"), None)
        if when is not None:
            broken = ", ".join(dict.fromkeys(v.rule for v in result.violations))
            note = f"the trace it returned breaks the rule check(s) of {broken}"
            steps[when] = replace(steps[when], outcome=StepOutcome.FAILED, notes=(note,))
    return replace(result, location=location, steps=tuple(steps))
