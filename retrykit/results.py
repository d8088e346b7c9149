"""Graded verdicts of scenarios and rules: the kit's own results, independent of pytest's wording."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from retrykit.catalogue import Catalogue, RuleKind
from retrykit.errors import KitUsageError, TargetError
from retrykit.oracles import Violation
from retrykit.verdicts import ExpectationMismatch, RuleViolations


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    DIFFERS = "differs from interpretation"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_RUN = "not run"

    @property
    def severity(self) -> int:
        """Worst first when a rule has several scenarios: an error hides what the rule would have shown."""
        return _SEVERITY[self]


_SEVERITY = {
    Verdict.NOT_RUN: 0,
    Verdict.SKIPPED: 1,
    Verdict.PASSED: 2,
    Verdict.DIFFERS: 3,
    Verdict.FAILED: 4,
    Verdict.ERROR: 5,
}


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: str
    observed: str


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
    mismatch: Mismatch | None = None
    scenario: dict | None = None
    trace: dict | None = None
    expected_trace: dict | None = None
    duration: float = 0.0
    reproducer: str = ""
    """Gherkin of a minimal scenario found by exploration."""
    rerun: str = ""
    """How to re-run it, where the pytest node ID is not the way."""

    @property
    def rules_broken(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.violations))


def grade(
    error: BaseException | None,
    violations: tuple[Violation, ...],
    *,
    interpretation: bool,
    catalogue: Catalogue,
) -> tuple[Verdict, str, str]:
    """(verdict, reason, error kind) for how a scenario ended, given what the oracles found in its trace."""
    if isinstance(error, TargetError):
        return Verdict.ERROR, str(error), error.kind.value
    if isinstance(error, KitUsageError):
        return Verdict.ERROR, str(error), "scenario authoring"
    if error is not None and not isinstance(error, AssertionError):
        return Verdict.ERROR, f"{type(error).__name__}: {error}", "harness"
    documented = any(v.rule in catalogue and catalogue[v.rule].kind.documented for v in violations)
    if documented or (isinstance(error, ExpectationMismatch) and not interpretation):
        verdict = Verdict.FAILED
    elif violations or error is not None:
        verdict = Verdict.DIFFERS
    else:
        return Verdict.PASSED, "", ""
    reason = str(error) if error is not None else str(RuleViolations(list(violations)))
    return verdict, reason, ""


def _contribution(result: ScenarioResult, rule_id: str, kind: RuleKind) -> Verdict:
    """What one scenario says about one rule: a failure counts against the rules it actually broke.

    When the oracles name broken rules, they carry the blame; a failed ``Then`` step with no oracle
    finding can only be laid at the rules the scenario cites.
    """
    if rule_id in result.rules_broken:
        return Verdict.DIFFERS if kind is RuleKind.INTERPRETATION else Verdict.FAILED
    if result.verdict in (Verdict.PASSED, Verdict.ERROR, Verdict.SKIPPED):
        return result.verdict
    return Verdict.PASSED if result.rules_broken else result.verdict


def rule_verdict(results: list[ScenarioResult], rule_id: str, kind: RuleKind) -> Verdict:
    """A rule's verdict: the worst of what its scenarios, and any oracle that named it, say about it."""
    if kind is RuleKind.ADVISORY:
        return Verdict.NOT_RUN
    verdicts = [
        _contribution(r, rule_id, kind) for r in results if rule_id in r.rules or rule_id in r.rules_broken
    ]
    return max(verdicts, key=lambda v: v.severity) if verdicts else Verdict.NOT_RUN


def result_to_json(result: ScenarioResult) -> dict:
    """Plain data, so a result can travel from a pytest-xdist worker to the controller on its test report."""
    data = asdict(result)
    data["verdict"] = result.verdict.value
    return data


def result_from_json(data: dict) -> ScenarioResult:
    fields = dict(data)
    fields["rules"] = tuple(fields["rules"])
    fields["verdict"] = Verdict(fields["verdict"])
    fields["violations"] = tuple(Violation(**v) for v in fields["violations"])
    fields["mismatch"] = None if fields["mismatch"] is None else Mismatch(**fields["mismatch"])
    return ScenarioResult(**fields)
