"""The grading model: how a scenario, a rule and a whole run are judged. Written down in docs/grading.md.

1. A scenario's findings are the rules its trace is at fault on. Every oracle violation is a finding on
   its rule. A failed expectation of a ``Then`` step is laid at the rules the oracles found broken in the
   same session (for a claim about one session) or anywhere in the trace; in a worked-example scenario
   it is also a finding on the example's rules, whose result the page spells out. A failed expectation
   that no oracle explains, outside an example, cannot be graded: an error of kind "unexplained".
2. A finding on a documented rule (normative, example) fails the scenario; findings on interpretations
   alone make it "differs from interpretation".
3. A rule's verdict is the worst of what its scenarios say about it; a scenario that failed on other
   rules passes this one.
4. The run conforms ("yes") only when every documented rule that could be judged passed and nothing kept
   a scenario from being judged; "no" when a documented rule failed; "not established" otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from retrykit.catalogue import Catalogue, RuleKind
from retrykit.errors import KitUsageError, TargetError, TargetSkipped
from retrykit.oracles import JOB_WIDE, Violation
from retrykit.steplog import StepLine
from retrykit.verdicts import FailedClaim, ScenarioFindings


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    DIFFERS = "differs from interpretation"
    ERROR = "error"
    SKIPPED = "skipped"
    """The target answered 'skipped' although it declared every capability the scenario needs."""
    NOT_APPLICABLE = "not applicable"
    """The scenario needs a capability the target does not declare."""
    NOT_RUN = "not run"

    @property
    def severity(self) -> int:
        """Worst last when a rule has several scenarios: a definite failure outweighs an error, which
        outweighs a scenario that was never judged."""
        return _SEVERITY[self]


_SEVERITY = {
    Verdict.NOT_RUN: 0,
    Verdict.NOT_APPLICABLE: 1,
    Verdict.PASSED: 2,
    Verdict.SKIPPED: 3,
    Verdict.ERROR: 4,
    Verdict.DIFFERS: 5,
    Verdict.FAILED: 6,
}


class Conforms(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_ESTABLISHED = "not established"


class InterpretationPolicy(StrEnum):
    """Whether a difference on one of the kit's interpretations counts against the run."""

    REPORT = "report"
    FAIL = "fail"


UNEXPLAINED = "unexplained"
"""Error kind of a scenario whose expectation failed where no rule check found anything."""


@dataclass(frozen=True)
class ScenarioResult:
    nodeid: str
    feature: str
    name: str
    rules: tuple[str, ...]
    interpretation: bool
    verdict: Verdict
    reason: str = ""
    error_kind: str = ""
    violations: tuple[Violation, ...] = ()
    claims: tuple[FailedClaim, ...] = ()
    findings: tuple[str, ...] = ()
    """The rules the trace is at fault on, oracles' and failed expectations' alike."""
    missing_capabilities: tuple[str, ...] = ()
    scenario: dict | None = None
    trace: dict | None = None
    expected_trace: dict | None = None
    duration: float = 0.0
    reproducer: str = ""
    """Gherkin of a minimal scenario found by exploration."""
    rerun: str = ""
    """How to re-run it, where the pytest node ID is not the way."""
    location: str = ""
    """The scenario's feature file and line ('features/retry_count.feature:14'); empty when it has none."""
    steps: tuple[StepLine, ...] = ()
    """Its Gherkin steps, each marked passed, failed or not run; empty when it has none."""

    @property
    def judged(self) -> bool:
        return self.verdict in (Verdict.PASSED, Verdict.FAILED, Verdict.DIFFERS)


@dataclass(frozen=True)
class Grade:
    verdict: Verdict
    reason: str = ""
    error_kind: str = ""
    findings: tuple[str, ...] = ()


def blame(
    claims: list[FailedClaim] | tuple[FailedClaim, ...],
    violations: list[Violation] | tuple[Violation, ...],
    rules: tuple[str, ...],
    catalogue: Catalogue,
) -> tuple[tuple[str, ...], tuple[FailedClaim, ...]]:
    """The rules at fault, and the failed claims nothing explains (step 1 of the model)."""
    examples = [r for r in rules if r in catalogue and catalogue[r].kind is RuleKind.EXAMPLE]
    found = dict.fromkeys(v.rule for v in violations)
    unexplained = []
    for claim in claims:
        here = [v.rule for v in violations if claim.session != JOB_WIDE and v.session == claim.session]
        explaining = here or [v.rule for v in violations]
        found.update(dict.fromkeys(explaining + examples))
        if not explaining and not examples:
            unexplained.append(claim)
    return tuple(found), tuple(unexplained)


def grade(error: BaseException | None, rules: tuple[str, ...], catalogue: Catalogue) -> Grade:
    """How a scenario ended (the exception its run raised, if any), graded by the model above."""
    if isinstance(error, TargetError):
        return Grade(Verdict.ERROR, str(error), error.kind.value)
    if isinstance(error, TargetSkipped):
        return Grade(Verdict.SKIPPED, str(error))
    if isinstance(error, KitUsageError):
        return Grade(Verdict.ERROR, str(error), "scenario authoring")
    if error is None:
        return Grade(Verdict.PASSED)
    if not isinstance(error, ScenarioFindings):
        return Grade(Verdict.ERROR, f"{type(error).__name__}: {error}", "harness")
    findings, unexplained = blame(error.claims, error.violations, rules, catalogue)
    if unexplained:
        return Grade(
            Verdict.ERROR,
            "no rule check explains why the trace differs from the scenario, so the kit cannot grade it "
            f"(a kit defect: please report it):\n{error}",
            UNEXPLAINED,
            findings,
        )
    documented = any(catalogue[r].kind.binding for r in findings if r in catalogue)
    return Grade(Verdict.FAILED if documented else Verdict.DIFFERS, str(error), "", findings)


def _contribution(result: ScenarioResult, rule_id: str, kind: RuleKind) -> Verdict:
    """What one scenario says about one rule (step 3 of the model)."""
    if rule_id in result.findings:
        return Verdict.DIFFERS if kind is RuleKind.INTERPRETATION else Verdict.FAILED
    if result.verdict in (Verdict.FAILED, Verdict.DIFFERS):
        return Verdict.PASSED
    return result.verdict


def rule_verdict(results: list[ScenarioResult], rule_id: str, kind: RuleKind) -> Verdict:
    """A rule's verdict: the worst of what its scenarios, and any finding that named it, say about it."""
    if kind is RuleKind.ADVISORY:
        return Verdict.NOT_RUN
    verdicts = [
        _contribution(r, rule_id, kind) for r in results if rule_id in r.rules or rule_id in r.findings
    ]
    return max(verdicts, key=lambda v: v.severity) if verdicts else Verdict.NOT_RUN


def binding(verdict: Verdict, policy: InterpretationPolicy) -> bool:
    """Whether a scenario with this verdict keeps the run from passing."""
    if verdict is Verdict.DIFFERS:
        return policy is InterpretationPolicy.FAIL
    return verdict in (Verdict.FAILED, Verdict.ERROR, Verdict.SKIPPED)


@dataclass(frozen=True)
class Conformance:
    conforms: Conforms
    reasons: tuple[str, ...]
    accepted: bool
    """The run passes (exit status 0): it conforms, or every scenario that keeps it from conforming is a
    known failure listed in an expectations file."""


def _listed(ids: list[str]) -> str:
    return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")


def conformance(
    results: list[ScenarioResult],
    rule_verdicts: dict[str, tuple[RuleKind, Verdict]],
    *,
    complete: bool,
    expected: int,
    handshake_error: str = "",
    stopped: str = "",
    policy: InterpretationPolicy = InterpretationPolicy.REPORT,
    known: frozenset[str] = frozenset(),
) -> Conformance:
    """The run's verdict with the reasons a person reads (step 4 of the model)."""
    failed = [r for r, (kind, v) in rule_verdicts.items() if kind.documented and v is Verdict.FAILED]
    unfollowed = [
        r for r, (kind, v) in rule_verdicts.items() if kind is RuleKind.DECLARED and v is Verdict.FAILED
    ]
    differs = [r for r, (kind, v) in rule_verdicts.items() if v is Verdict.DIFFERS]
    errors = [r for r in results if r.verdict is Verdict.ERROR]
    skipped = [r for r in results if r.verdict is Verdict.SKIPPED]
    not_applicable = [r for r in results if r.verdict is Verdict.NOT_APPLICABLE]
    blocking: list[str] = []
    if handshake_error:
        blocking.append(f"the adapter's handshake failed: {handshake_error}")
    if errors:
        kinds = sorted({r.error_kind for r in errors})
        blocking.append(f"{len(errors)} scenario(s) could not be judged ({', '.join(kinds)})")
    if skipped:
        blocking.append(
            f"{len(skipped)} scenario(s) answered 'skipped' by the target although it declared every "
            "capability they need"
        )
    if stopped or handshake_error:
        why = f": {stopped}" if stopped else ""
        blocking.append(f"the run stopped early, {len(results)} of {expected} scenarios have a verdict{why}")
    elif not complete:
        blocking.append(f"the run was interrupted: {len(results)} of {expected} scenarios have a verdict")
    if not any(r.judged for r in results) and complete:
        blocking.append("no scenario could be judged")
    reasons: list[str] = []
    if failed:
        reasons.append(f"{len(failed)} documented rule(s) failed: {_listed(failed)}")
    if unfollowed:
        reasons.append(f"{len(unfollowed)} declared reading(s) not followed, by rule: {_listed(unfollowed)}")
    if differs:
        counted = "counted: --interpretations fail" if policy is InterpretationPolicy.FAIL else "not counted"
        reasons.append(
            f"{len(differs)} interpretation(s) differ from the kit's reading ({counted}): {_listed(differs)}"
        )
    reasons += blocking
    if not_applicable:
        missing = {c for r in not_applicable for c in r.missing_capabilities}
        readings = {c for c in missing if c.startswith("reading ")}
        for what, listed in (
            ("the target does not declare", sorted(missing - readings)),
            ("written for another alternative of a reading:", sorted(readings)),
        ):
            scenarios = sum(bool(set(r.missing_capabilities) & set(listed)) for r in not_applicable)
            shown = ", ".join(c.removeprefix("reading ") for c in listed)
            if listed:
                reasons.append(f"not judged, {what} {shown}: {scenarios} scenario(s) not applicable")
    unfiled = [r.nodeid for r in results if r.verdict is Verdict.FAILED and not r.findings]
    if unfiled:
        reasons.append(f"{len(unfiled)} scenario(s) failed without a rule at fault: {_listed(unfiled)}")
    if failed or unfollowed or unfiled or (differs and policy is InterpretationPolicy.FAIL):
        conforms = Conforms.NO
    elif blocking:
        conforms = Conforms.NOT_ESTABLISHED
    else:
        conforms = Conforms.YES
        judged = sum(r.judged for r in results)
        reasons.insert(0, f"every documented rule passed on the {judged} scenario(s) judged")
    open_ = [r.nodeid for r in results if binding(r.verdict, policy) and r.nodeid not in known]
    accepted = conforms is Conforms.YES or (
        complete and not handshake_error and any(r.judged for r in results) and not open_
    )
    return Conformance(conforms, tuple(reasons), accepted)


def result_to_json(result: ScenarioResult) -> dict:
    """Plain data, so a result can travel from a pytest-xdist worker to the controller on its test report."""
    data = asdict(result)
    data["verdict"] = result.verdict.value
    return data


def result_from_json(data: dict) -> ScenarioResult:
    fields = dict(data)
    for name in ("rules", "findings", "missing_capabilities"):
        fields[name] = tuple(fields[name])
    fields["verdict"] = Verdict(fields["verdict"])
    fields["violations"] = tuple(Violation(**v) for v in fields["violations"])
    fields["claims"] = tuple(FailedClaim(**c) for c in fields["claims"])
    fields["steps"] = tuple(StepLine.from_json(s) for s in fields.get("steps", ()))
    return ScenarioResult(**fields)
