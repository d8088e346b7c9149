"""Search the space of scenarios for one a target gets wrong, and shrink it to a minimal reproducer.

Each generated scenario is judged by the same oracles and the same grading model as the
feature run (retrykit.results), and compared with the reference engine's trace (a
differential check: a difference no rule check explains cannot be graded, an error of kind
"unexplained"). A failure is run a second time before it is shrunk; one that does not
reproduce is reported as nondeterministic instead. A broken documented rule or an error of
the target stops the search; hypothesis then shrinks the scenario, and the kit writes the
smallest one as Gherkin in its own step wording, plus the scenario JSON. Differences that
only touch the kit's interpretations are counted apart and do not stop the search unless
asked to (the ``fail`` interpretation policy).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from retrykit import contract
from retrykit.canonical import differences
from retrykit.catalogue import Catalogue, RuleKind
from retrykit.codec import scenario_to_json, trace_to_json
from retrykit.drivers import Outcome, Target, expected_json, reference_trace, required_capabilities, run_each
from retrykit.errors import ErrorKind, TargetError, TargetSkipped
from retrykit.oracles import Violation, judge, judge_refusal
from retrykit.reference.model import Scenario, Trace
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import Readings
from retrykit.results import UNEXPLAINED, Conforms, ScenarioResult, Verdict, grade
from retrykit.space import WHOLE, Shard
from retrykit.verdicts import ScenarioFindings

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
    not_applicable: int = 0
    """Scenarios that need a capability the target does not declare."""
    target_skipped: int = 0
    """Scenarios the target answered 'skipped' although it declared every capability they need."""
    interpretation_differences: int = 0
    first_interpretation_difference: Finding | None = None
    unreproduced: list[Finding] = field(default_factory=list)
    """Failures that a second run of the same scenario did not show again."""
    finding: Finding | None = None
    log: list[Finding] = field(default_factory=list)

    def verdict(self, include_interpretations: bool) -> tuple[Conforms, list[str]]:
        """The search's verdict by the kit's grading model, with its reasons."""
        reasons = []
        if self.finding is not None:
            reasons.append(f"{self.finding.verdict.value}: {self.finding.summary().splitlines()[0]}")
        if self.target_skipped:
            reasons.append(
                f"{self.target_skipped} scenario(s) answered 'skipped' although the target declared "
                "their capabilities"
            )
        if self.unreproduced:
            reasons.append(
                f"{len(self.unreproduced)} failure(s) did not reproduce on a second run (nondeterministic)"
            )
        if self.examples == self.not_applicable:
            reasons.append("no scenario could be judged")
        if self.interpretation_differences and not include_interpretations:
            reasons.append(
                f"{self.interpretation_differences} scenario(s) differ only on the kit's interpretations "
                "(not counted)"
            )
        if self.finding is not None and self.finding.verdict in (Verdict.FAILED, Verdict.DIFFERS):
            return Conforms.NO, reasons
        if (
            self.finding is not None
            or self.target_skipped
            or self.unreproduced
            or self.examples == self.not_applicable
        ):
            return Conforms.NOT_ESTABLISHED, reasons
        return Conforms.YES, reasons


def examine(target: Target, scenario: Scenario, catalogue: Catalogue) -> Finding | None:
    """None when the target conforms on this scenario; else what is wrong, graded as a feature run would."""
    return assess(scenario, next(run_each(target, [scenario])), catalogue)


def assess(scenario: Scenario, outcome: Outcome, catalogue: Catalogue) -> Finding | None:
    """How one run of ``scenario`` came out, by the grading model: None when nothing is wrong."""
    if isinstance(outcome, TargetSkipped):
        refusal = judge_refusal(scenario, str(outcome))
        if refusal is None:
            return Finding(scenario, Verdict.SKIPPED, error=str(outcome), error_kind="skipped")
        return _violating(scenario, refusal, catalogue) if refusal else None
    breach = outcome if isinstance(outcome, TargetError) else contract.breach(scenario, outcome)
    if breach is not None:
        return Finding(scenario, Verdict.ERROR, error=str(breach.args[0]), error_kind=breach.kind.value)
    assert isinstance(outcome, Trace)
    trace = outcome
    violations = tuple(judge(scenario, trace))
    if violations:
        return _violating(scenario, violations, catalogue, trace)
    expected = reference_trace(scenario)
    unexplained = () if trace == expected else tuple(differences(trace, expected))
    if unexplained:
        return Finding(scenario, Verdict.ERROR, differences=unexplained, error_kind=UNEXPLAINED, trace=trace)
    return None


def _violating(
    scenario: Scenario, violations: Sequence[Violation], catalogue: Catalogue, trace: Trace | None = None
) -> Finding:
    """The finding of a run that broke rules (of a trace, or of a refusal), graded as a feature run is."""
    graded = grade(ScenarioFindings([], list(violations)), (), catalogue)
    return Finding(scenario, graded.verdict, tuple(violations), trace=trace)


def _reproduced(finding: Finding, again: Finding | None) -> bool:
    return again is not None and (again.verdict, again.rules, again.error_kind) == (
        finding.verdict,
        finding.rules,
        finding.error_kind,
    )


class _Stop(Exception):
    """Raised inside the search so hypothesis shrinks towards a smaller failing scenario."""


Search = Callable[[Callable[[Scenario], None]], None]
"""Hypothesis's search calling a probe with each scenario: the same scenarios in the same order each time
it is run with the same settings, up to where the probe raises."""


class _Ahead:
    """Outcomes of a search's scenarios, asked of a pipelined target all at once, waiting for the search to
    generate each scenario again; once it stops (shrinking), its scenarios run live."""

    def __init__(self) -> None:
        self._waiting: dict[Scenario, deque[Outcome]] = {}
        self._left = 0
        self._closed = False
        self.diverged = False
        """The search ended with outcomes never taken: hypothesis generated other scenarios this time."""

    def add(self, scenario: Scenario, outcome: Outcome) -> None:
        self._waiting.setdefault(scenario, deque()).append(outcome)
        self._left += 1

    def take(self, scenario: Scenario) -> Outcome | None:
        waiting = None if self._closed else self._waiting.get(scenario)
        if not waiting:
            return None
        self._left -= 1
        return waiting.popleft()

    def close(self) -> None:
        self.diverged = self.diverged or self._left > 0
        self._closed = True


def _asked_ahead(target: Target, catalogue: Catalogue, search: Search) -> tuple[_Ahead, Exploration | None]:
    """Generate the search's scenarios first, then run them through the target pipelined, up to the first
    that is not a plain pass; the search's result when there is none (nothing to run again or shrink)."""
    generated: list[Scenario] = []

    def record(scenario: Scenario) -> None:
        generated.append(scenario)

    search(record)
    capabilities = target.identity.capabilities
    applicable = [s for s in generated if required_capabilities(s) <= capabilities]
    ahead = _Ahead()
    skipped = 0
    outcomes = run_each(target, applicable)
    try:
        for scenario, outcome in zip(applicable, outcomes, strict=False):
            ahead.add(scenario, outcome)
            finding = assess(scenario, outcome, catalogue)
            if finding is not None and finding.verdict is not Verdict.SKIPPED:
                return ahead, None
            skipped += finding is not None
    finally:
        outcomes.close()
    passed = Exploration(len(generated), len(generated) - len(applicable), skipped)
    return ahead, passed


def explore(
    target: Target,
    catalogue: Catalogue,
    *,
    examples: int,
    seed: int | None,
    include_interpretations: bool = False,
    max_vms: int = 6,
    max_sessions: int = 4,
    readings: Readings = DEFAULT_READINGS,
) -> Exploration:
    """Run up to ``examples`` scenarios under ``readings`` (with ``catalogue`` bound by those declared);
    with ``seed`` None the search is derandomised (CI profile).

    Through a target that takes several runs in flight, the search's scenarios are generated first and
    run pipelined (hypothesis, not the target, sets the pace otherwise); a search that finds something is
    then run again over the same scenarios, their first runs answered from those outcomes, so the rerun
    of a failure, the shrinking and every verdict are those of a search one run at a time."""

    def search(probe: Callable[[Scenario], None]) -> None:
        # hypothesis is imported by the search alone: exhaust and combine, which import this module for
        # assess, start without it.
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as hypothesis_seed

        from retrykit import strategies

        def each(scenario: Scenario) -> None:
            """One function for every search: a derandomised search draws from a stream seeded by the
            test function's source, so the pipelined first pass and the search proper see the same
            scenarios only through the same function."""
            probe(scenario)

        test = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=seed is None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
            report_multiple_bugs=False,
        )(given(strategies.scenarios(max_vms=max_vms, max_sessions=max_sessions, readings=readings))(each))
        (test if seed is None else hypothesis_seed(seed)(test))()

    if getattr(target, "window", 1) > 1:
        ahead, passed = _asked_ahead(target, catalogue, search)
        if passed is not None:
            return passed
        state = _search(target, catalogue, search, include_interpretations, ahead)
        if not ahead.diverged:
            return state
    return _search(target, catalogue, search, include_interpretations, _Ahead())


def _search(
    target: Target, catalogue: Catalogue, search: Search, include_interpretations: bool, ahead: _Ahead
) -> Exploration:
    """The search proper: each scenario's first run answered by ``ahead`` where it can be."""
    state = Exploration()
    capabilities = target.identity.capabilities

    def stops(finding: Finding) -> bool:
        return finding.verdict is not Verdict.DIFFERS or include_interpretations

    def probe(scenario: Scenario) -> None:
        state.examples += 1
        if not required_capabilities(scenario) <= capabilities:
            state.not_applicable += 1
            return
        outcome = ahead.take(scenario)
        if outcome is None:
            finding = examine(target, scenario, catalogue)
        else:
            finding = assess(scenario, outcome, catalogue)
        if finding is None:
            return
        if finding.verdict is Verdict.SKIPPED:
            state.target_skipped += 1
            return
        if finding.error_kind != ErrorKind.CRASH and not _reproduced(
            finding, examine(target, scenario, catalogue)
        ):
            state.unreproduced.append(finding)
            return
        if stops(finding):
            state.log.append(finding)
            ahead.close()
            raise _Stop(finding.summary())
        state.interpretation_differences += 1
        state.first_interpretation_difference = state.first_interpretation_difference or finding

    from hypothesis.errors import Flaky

    try:
        search(probe)
    except _Stop:
        state.finding = _without_idle_sessions(state.log[-1], target, catalogue, stops)
    except Flaky:
        if not state.unreproduced:
            raise
    ahead.close()
    return state


def shard_search(examples: int, seed: int | None, shard: Shard) -> tuple[int, int | None]:
    """Shard K/N's share of a search: ``examples`` dealt out (the first examples % N shards get one
    more) and a seed of its own, the first 8 bytes of sha256("<seed>:K/N") ("ci" for the derandomised
    search's None), so the shards search different streams and each is reproducible. The shards
    together try ``examples`` scenarios, not necessarily all distinct; the whole search (1/1) keeps
    its seed."""
    if shard == WHOLE:
        return examples, seed
    share = examples // shard.count + (shard.index <= examples % shard.count)
    digest = hashlib.sha256(f"{'ci' if seed is None else seed}:{shard}".encode()).digest()
    return share, int.from_bytes(digest[:8], "big")


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
        findings=finding.rules,
        scenario=scenario_to_json(finding.scenario),
        trace=None if finding.trace is None else trace_to_json(finding.trace),
        expected_trace=expected_json(finding.scenario),
        reproducer=reproducer,
        rerun=rerun,
    )
