"""Search the space of scenarios for one a target gets wrong, and shrink it to a minimal reproducer.

Each generated scenario is judged by the same oracles as the ``Then`` steps, and
compared with the reference engine's trace (a differential check). A broken
documented rule, an unexplained difference from the reference, or an error of the
target stops the search; hypothesis then shrinks the scenario, and the kit writes
the smallest one as Gherkin in its own step wording, plus the scenario JSON.
Differences that only touch the kit's interpretations are counted apart and do
not stop the search unless asked to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from reference import engine
from reference.model import Scenario, Trace
from retrykit import contract, strategies
from retrykit.adapter import TargetSkipped
from retrykit.catalogue import Catalogue, RuleKind
from retrykit.codec import scenario_to_json, trace_to_json
from retrykit.drivers import Target, required_capabilities
from retrykit.errors import TargetError
from retrykit.oracles import Violation, judge
from retrykit.results import ScenarioResult, Verdict

Json = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    scenario: Scenario
    verdict: Verdict
    violations: tuple[Violation, ...] = ()
    differences: tuple[str, ...] = ()
    error: str = ""
    error_kind: str = ""
    trace: Trace | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.violations))

    def summary(self) -> str:
        if self.error:
            return f"{self.error_kind}: {self.error}"
        lines = [str(v) for v in self.violations]
        lines += [f"[no rule named] differs from the reference: {d}" for d in self.differences]
        return "\n".join(lines)


@dataclass
class Exploration:
    examples: int = 0
    skipped: int = 0
    interpretation_differences: int = 0
    first_interpretation_difference: Finding | None = None
    finding: Finding | None = None
    log: list[Finding] = field(default_factory=list)


def canonical(trace: Trace) -> Json:
    """What the page and the reference decide, without what a target may choose freely (names, orders)."""
    sessions = [
        {
            "number": s.number,
            "trigger": s.trigger.value,
            "status": s.status.value,
            "stopped": s.stopped_manually,
            "attempts": [
                {
                    "number": a.number,
                    "job_failure": a.job_failure,
                    "tasks": sorted((t.vm, t.result.value) for t in a.tasks),
                }
                for a in s.attempts
            ],
        }
        for s in trace.sessions
    ]
    files = sorted(
        json.dumps(
            {
                "kind": f.kind.value,
                "session": f.session,
                "attempt": f.attempt,
                "points": sorted((p.vm, p.kind.value, p.session, p.attempt) for p in f.restore_points),
            }
        )
        for f in trace.files
    )
    return {"sessions": sessions, "files": files}


def differences(observed: Trace, expected: Trace) -> list[str]:
    a, b = canonical(observed), canonical(expected)
    found = []
    if a["sessions"] != b["sessions"]:
        found.append("the sessions or their attempts differ")
    if a["files"] != b["files"]:
        found.append("the backup files differ")
    return found


def examine(target: Target, scenario: Scenario, catalogue: Catalogue) -> Finding | None:
    """None when the target conforms on this scenario (or cannot be judged on it: see ``skipped``)."""
    try:
        trace = target.run(scenario)
        contract.enforce(scenario, trace)
    except TargetError as error:
        return Finding(scenario, Verdict.ERROR, error=str(error.args[0]), error_kind=error.kind.value)
    violations = tuple(judge(scenario, trace))
    documented = [v for v in violations if catalogue[v.rule].kind.documented]
    if documented:
        return Finding(scenario, Verdict.FAILED, violations, trace=trace)
    if violations:
        return Finding(scenario, Verdict.DIFFERS, violations, trace=trace)
    unexplained = tuple(differences(trace, engine.run(scenario)))
    if unexplained:
        return Finding(scenario, Verdict.FAILED, differences=unexplained, trace=trace)
    return None


class _Stop(Exception):
    """Raised inside the search so hypothesis shrinks towards a smaller failing scenario."""


def explore(
    target: Target,
    catalogue: Catalogue,
    *,
    examples: int,
    seed: int | None,
    include_interpretations: bool = False,
    max_vms: int = 6,
    max_sessions: int = 4,
) -> Exploration:
    """Run up to ``examples`` scenarios; with ``seed`` None the search is derandomised (CI profile)."""
    state = Exploration()
    capabilities = target.identity.capabilities

    def stops(finding: Finding) -> bool:
        return finding.verdict is not Verdict.DIFFERS or include_interpretations

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    @given(strategies.scenarios(max_vms=max_vms, max_sessions=max_sessions))
    def probe(scenario: Scenario) -> None:
        state.examples += 1
        if not required_capabilities(scenario) <= capabilities:
            state.skipped += 1
            return
        try:
            finding = examine(target, scenario, catalogue)
        except TargetSkipped:
            state.skipped += 1
            return
        if finding is None:
            return
        if stops(finding):
            state.log.append(finding)
            raise _Stop(finding.summary())
        state.interpretation_differences += 1
        state.first_interpretation_difference = state.first_interpretation_difference or finding

    search = probe if seed is None else hypothesis_seed(seed)(probe)
    try:
        search()
    except _Stop:
        state.finding = _without_idle_sessions(state.log[-1], target, catalogue, stops)
    return state


def _without_idle_sessions(
    finding: Finding, target: Target, catalogue: Catalogue, stops: Callable[[Finding], bool]
) -> Finding:
    """Drop whole sessions the failure does not need: hypothesis's shrinker can stop at a run of
    sessions that merely lead up to the failing one."""
    current = finding
    index = 0
    while index < len(current.scenario.sessions) and len(current.scenario.sessions) > 1:
        sessions = current.scenario.sessions[:index] + current.scenario.sessions[index + 1 :]
        shorter = examine(target, replace(current.scenario, sessions=sessions), catalogue)
        if shorter is not None and stops(shorter) and shorter.rules == current.rules:
            current = shorter
        else:
            index += 1
    return current


def rule_tags(finding: Finding, catalogue: Catalogue) -> list[str]:
    """Tags for the reproducer: the rules it breaks, and @interpretation when any of them is one."""
    tags = list(finding.rules)
    if any(catalogue[r].kind is RuleKind.INTERPRETATION for r in tags):
        tags.append("interpretation")
    return tags


def finding_result(finding: Finding, reproducer: str, rerun: str) -> ScenarioResult:
    """The finding as a scenario result, so the report shows it like any failed scenario."""
    return ScenarioResult(
        nodeid="explore::minimal-reproducer",
        feature="(found by exploration)",
        name="Minimal reproducer found by exploration",
        rules=finding.rules,
        interpretation=finding.verdict is Verdict.DIFFERS,
        verdict=finding.verdict,
        reason=finding.summary(),
        error_kind=finding.error_kind,
        violations=finding.violations,
        scenario=scenario_to_json(finding.scenario),
        trace=None if finding.trace is None else trace_to_json(finding.trace),
        expected_trace=trace_to_json(engine.run(finding.scenario)),
        reproducer=reproducer,
        rerun=rerun,
    )
