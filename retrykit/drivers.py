"""The one interface every target is driven through.

A target receives a Scenario and answers a Trace. The in-process reference goes
through the same JSON encoding and schema validation as an external adapter, so
a scenario runs unchanged against either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from reference import engine
from reference.model import Scenario, Trace, Trigger
from retrykit import __version__
from retrykit.codec import scenario_from_json, scenario_to_json, trace_from_json, trace_to_json

ALL_CAPABILITIES = frozenset(
    {"chain:per_machine", "chain:single_file", "trigger:manual", "manual_stop", "job_failure", "custom_retry"}
)


@dataclass(frozen=True)
class TargetIdentity:
    name: str
    version: str
    capabilities: frozenset[str] = field(default=ALL_CAPABILITIES)


class Target(Protocol):
    identity: TargetIdentity

    def run(self, scenario: Scenario) -> Trace: ...

    def close(self) -> None: ...


def required_capabilities(scenario: Scenario) -> frozenset[str]:
    """What a target must declare to be judged on ``scenario``; anything else is reported as skipped."""
    needed = {f"chain:{scenario.job.chain_format.value}"}
    if scenario.job.retry.count is not None or not scenario.job.retry.enabled:
        needed.add("custom_retry")
    for plan in scenario.sessions:
        if plan.trigger is Trigger.MANUAL:
            needed.add("trigger:manual")
        if plan.stop is not None:
            needed.add("manual_stop")
        if plan.job_failure_attempts:
            needed.add("job_failure")
    return frozenset(needed)


class ReferenceTarget:
    """The in-process reference engine, behind the same JSON boundary as any external target."""

    def __init__(self) -> None:
        self.identity = TargetIdentity("reference", __version__)

    def run(self, scenario: Scenario) -> Trace:
        received = scenario_from_json(scenario_to_json(scenario))
        return trace_from_json(trace_to_json(engine.run(received)))

    def close(self) -> None:
        """Nothing to release in-process."""
