"""The one interface every target is driven through.

A target receives a Scenario and answers a Trace. The in-process reference goes
through the same JSON encoding and schema validation as an external adapter, so
a scenario runs unchanged against either.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from retrykit import __version__
from retrykit.canonical import canonical, differences
from retrykit.codec import Json, scenario_from_json, scenario_to_json, trace_from_json, trace_to_json
from retrykit.errors import ErrorKind, TargetError, TargetSkipped
from retrykit.reference import engine
from retrykit.reference.model import Scenario, StopMode, Trace, Trigger

CORE_CAPABILITIES = frozenset(
    {"chain:per_machine", "chain:single_file", "trigger:manual", "manual_stop", "job_failure", "custom_retry"}
)
"""What protocol 1.0 and 1.1 know: the Job Retry page's own rules."""
RELATED_CAPABILITIES = frozenset(
    {"retry_wait", "trigger:retry", "post_job", "notifications", "graceful_stop"}
)
"""Since protocol 1.2: the rules from Veeam's related pages, one capability per family."""
ALL_CAPABILITIES = CORE_CAPABILITIES | RELATED_CAPABILITIES


@dataclass(frozen=True)
class TargetIdentity:
    name: str
    version: str
    capabilities: frozenset[str] = field(default=ALL_CAPABILITIES)
    readings: Mapping[str, str] = field(default_factory=dict)
    """The readings the target declared in its hello (protocol 1.2), by name."""


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
            needed.add("manual_stop" if plan.stop.mode is StopMode.IMMEDIATE else "graceful_stop")
        if plan.job_failure_attempts:
            needed.add("job_failure")
    return frozenset(needed | related_capabilities(scenario))


def related_capabilities(scenario: Scenario) -> set[str]:
    """The capabilities of the related pages' rules that ``scenario`` needs."""
    job = scenario.job
    needed = set()
    if job.retry.wait_minutes is not None or job.continuous_schedule:
        needed.add("retry_wait")
    if any(plan.trigger is Trigger.RETRY for plan in scenario.sessions):
        needed.add("trigger:retry")
    if job.post_job_script or job.chained_job:
        needed.add("post_job")
    if job.notifications is not None:
        needed.add("notifications")
    return needed


Outcome = Trace | TargetError | TargetSkipped
"""What one run of a scenario came to: the trace, or why there is none."""


def run_each(target: Target, scenarios: Iterable[Scenario]) -> Generator[Outcome]:
    """Each scenario's outcome, in order: pipelined through an adapter that accepts several runs in flight
    (AdapterTarget.run_many), one at a time otherwise."""
    many = getattr(target, "run_many", None)
    if many is not None:
        yield from many(scenarios)
        return
    for scenario in scenarios:
        try:
            yield target.run(scenario)
        except (TargetError, TargetSkipped) as error:
            yield error


def run_consistently(target: Target, scenario: Scenario, times: int = 1) -> Trace:
    """The target's trace of ``scenario``, asked ``times`` times: answers that make other decisions (their
    canonical forms differ) are an error of kind nondeterministic, quoting what differed and both traces."""
    first = target.run(scenario)
    for attempt in range(2, times + 1):
        again = target.run(scenario)
        if canonical(again) != canonical(first):
            raise TargetError(
                f"run {attempt} of {times} of the same scenario answered another trace than run 1: "
                f"{'; '.join(differences(again, first))}; run 1: {json.dumps(canonical(first))}; "
                f"run {attempt}: {json.dumps(canonical(again))}",
                kind=ErrorKind.NONDETERMINISTIC,
            )
    return first


@functools.lru_cache(maxsize=16)
def reference_trace(scenario: Scenario) -> Trace:
    """The reference engine's trace of ``scenario``, computed once for everyone who asks for it soon after:
    the engine is pure and a trace immutable, so judging the in-process reference against itself (its run,
    then the difference check against the reference) costs one run of the engine, not two."""
    return engine.run(scenario)


def expected_json(scenario: Scenario) -> Json | None:
    """The reference's trace of ``scenario`` as a report shows it beside the target's; None for a setting
    the scenario's readings refuse (a retry count of 0 read as rejected), which has no trace."""
    try:
        return trace_to_json(reference_trace(scenario))
    except engine.RefusedSetting:
        return None


class ReferenceTarget:
    """The in-process reference engine, behind the same JSON boundary as any external target."""

    def __init__(self) -> None:
        self.identity = TargetIdentity("reference", __version__)

    def run(self, scenario: Scenario) -> Trace:
        received = scenario_from_json(scenario_to_json(scenario))
        try:
            trace = reference_trace(received)
        except engine.RefusedSetting as refused:
            raise TargetSkipped(f"reference: {refused}") from None
        return trace_from_json(trace_to_json(trace))

    def close(self) -> None:
        """Nothing to release in-process."""
