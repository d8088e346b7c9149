"""Runs in flight: an adapter that declares a window gets several runs before it answers, and every
verdict still lands on the scenario that earned it, exactly as with one run at a time."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

from retrykit import space
from retrykit.adapter import AdapterTarget
from retrykit.canonical import canonical
from retrykit.drivers import Outcome, ReferenceTarget, run_each
from retrykit.errors import TargetError, TargetSkipped
from retrykit.reference.model import Scenario

BROKEN = Path(__file__).parent / "broken_adapters"
REFERENCE_ADAPTER = Path(__file__).parent.parent / "adapters" / "reference_adapter.py"
SCENARIOS: list[Scenario] = list(space.scenarios(space.Bound(max_vms=2, max_sessions=1)))[:6]
SLOW = {
    "hangs_on_run",
    "spawns_grandchild_and_hangs",
    "spawns_daemon_and_hangs",
    "spawns_daemon_holding_stdout",
    "stops_reading_stdin",
}
"""Adapters that only ever time out: fewer scenarios and a short timeout, so the test stays quick; the
others get a timeout no loaded machine reaches, so a slow answer never reads as a hang."""


def summary(outcome: Outcome) -> str:
    """What a verdict rests on: the trace's decisions, or the kind of error, never its wording."""
    if isinstance(outcome, TargetError):
        return f"error: {outcome.kind.value}"
    if isinstance(outcome, TargetSkipped):
        return "skipped"
    return repr(canonical(outcome))


def outcomes(command: list[str], window: int, scenarios: list[Scenario], timeout: float) -> list[str]:
    target = AdapterTarget(command, timeout=timeout, max_failures=100)
    with contextlib.suppress(TargetError):
        target.start()
    target.window = window
    try:
        return [summary(o) for o in run_each(target, scenarios)]
    finally:
        target.close()


@pytest.mark.parametrize("adapter", sorted(p.stem for p in BROKEN.glob("[a-z]*.py")))
def test_a_window_of_8_gives_the_verdicts_of_a_window_of_1(adapter: str) -> None:
    command = [sys.executable, str(BROKEN / f"{adapter}.py")]
    scenarios, timeout = (SCENARIOS[:2], 0.5) if adapter in SLOW else (SCENARIOS, 10.0)
    assert outcomes(command, 8, scenarios, timeout) == outcomes(command, 1, scenarios, timeout)


def test_the_reference_adapter_declares_a_window_and_answers_every_run_in_flight_right() -> None:
    target = AdapterTarget([sys.executable, str(REFERENCE_ADAPTER)])
    try:
        target.start()
        assert target.window > 1
        scenarios = list(space.scenarios(space.Bound(max_vms=2, max_sessions=2)))[:200]
        got = [summary(o) for o in run_each(target, scenarios)]
    finally:
        target.close()
    assert got == [summary(ReferenceTarget().run(s)) for s in scenarios]
