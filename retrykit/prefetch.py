"""A feature run's scenarios sent to the adapter all at once, pipelined, before the first test needs one.

One test at a time, the adapter gets a run only when a test's ``When`` step asks, so the runs it could
take in flight (its hello's window) go unused. Instead, at the first ``When`` step the suite's own steps
build every selected scenario in-process (retrykit.export.built, nothing sent), all of them go to the
adapter through run_many in the tests' order, and each ``When`` step takes its scenario's outcome (exact
match; twins in the order sent) or runs it live when there is none. run_many lays every error on the
run that earned it; each outcome also keeps whether the kit stopped using the adapter on it (its crashes
or timeouts in a row reached the limit, or it is the refused hello), so the run stops at the scenario
where one run at a time would have stopped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import pytest

from retrykit import export
from retrykit.adapter import AdapterTarget, lost
from retrykit.drivers import Outcome, required_capabilities
from retrykit.errors import TargetError
from retrykit.reference.model import Scenario, Trace
from retrykit.reference.readings import Readings

EXAMPLE_FIXTURE = "_pytest_bdd_example"
"""A fixture every pytest-bdd scenario test uses, and no other test: what marks a test as a scenario."""


class Mode(Enum):
    """--prefetch: ``auto`` prefetches for an adapter that declares a window of more than one run."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    gave_up: bool
    """The kit stopped using the adapter on this outcome: the run stops here."""

    def trace(self) -> Trace:
        """The trace, or the error or skip the run came to, raised as a live run raises it."""
        if isinstance(self.outcome, Trace):
            return self.outcome
        raise self.outcome


class Prefetched:
    """Outcomes waiting for their scenario's ``When`` step; each is taken once."""

    def __init__(self, answers: Iterable[tuple[Scenario, Answer]] = ()) -> None:
        self._waiting: dict[Scenario, deque[Answer]] = {}
        for scenario, answer in answers:
            self._waiting.setdefault(scenario, deque()).append(answer)

    def take(self, scenario: Scenario) -> Answer | None:
        waiting = self._waiting.get(scenario)
        return waiting.popleft() if waiting else None


def wanted(config: pytest.Config, target: object) -> bool:
    """Prefetch for an adapter (never the in-process reference or recorded traces), one run per scenario
    (``--repeat`` compares live runs), as --prefetch says. ``auto`` leaves it off in a pytest-xdist
    worker: a worker collects the whole selection but is handed only its share as the run goes, so it
    would send the product every scenario once per worker."""
    mode = Mode(config.getoption("prefetch"))
    if not isinstance(target, AdapterTarget) or config.getoption("repeat") != 1 or mode is Mode.OFF:
        return False
    if mode is Mode.AUTO and hasattr(config, "workerinput"):
        return False
    return mode is Mode.ON or target.window > 1


def scenarios_of(config: pytest.Config, items: Sequence[pytest.Item], readings: Readings) -> list[Scenario]:
    """What the steps of the session's scenario tests build, in their order, by a nested in-process run
    of just those tests with the same configuration file and the run's readings (its own prefetch off)."""
    tests = [
        f"{item.path}::{item.name}" for item in items if EXAMPLE_FIXTURE in getattr(item, "fixturenames", ())
    ]
    if not tests:
        return []
    options = ["--rootdir", str(config.rootpath), "--prefetch", Mode.OFF.value]
    options += [f"--reading={name}={value}" for name, value in readings.differing().items()]
    options += ["-c", str(config.inipath)] if config.inipath else []
    return [e.scenario for e in export.built([*options, *tests])]


def fetch(target: AdapterTarget, scenarios: Sequence[Scenario]) -> Prefetched:
    """Every scenario the target declares the capabilities for, through run_many, with its outcome."""
    applicable = [s for s in scenarios if required_capabilities(s) <= target.identity.capabilities]
    answers = []
    in_a_row = 0
    for scenario, outcome in zip(applicable, target.run_many(applicable), strict=True):
        in_a_row = in_a_row + 1 if lost(outcome) else 0
        gave_up = isinstance(outcome, TargetError) and (
            in_a_row >= target.max_failures or target.ended_by(outcome)
        )
        answers.append((scenario, Answer(outcome, gave_up)))
    return Prefetched(answers)
