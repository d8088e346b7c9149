"""Why a failure is filed under each of its rules, in one sentence per rule a reviewer can check.

The grading (retrykit.results.blame) lays a scenario's failure at a rule for one of two reasons: the
rule's own check found the trace at fault, with the scenario's expectations about that session failing
beside it; or the scenario is one of the page's worked examples, whose whole result the page spells out.
These sentences say which, with the session and the values, so nobody has to trust the table blindly.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrykit.catalogue import Catalogue, RuleKind
from retrykit.oracles import JOB_WIDE, Violation
from retrykit.results import ScenarioResult
from retrykit.verdicts import FailedClaim


@dataclass(frozen=True)
class Filing:
    rule: str
    why: str


def _place(session: int) -> str:
    return "the job as a whole" if session == JOB_WIDE else f"session {session}"


def _quoted(claims: list[FailedClaim]) -> str:
    return ", ".join(f"'{c.what}'" for c in claims)


def _explained_by(claim: FailedClaim, violations: tuple[Violation, ...]) -> set[str]:
    """The rules a failed expectation is laid at, as the grading lays it (retrykit.results.blame)."""
    here = [v.rule for v in violations if claim.session != JOB_WIDE and v.session == claim.session]
    return set(here or [v.rule for v in violations])


def _check_sentence(rule: str, kind: str, found: list[Violation], claims: list[FailedClaim]) -> str:
    first = found[0]
    where = (
        first.where
        if first.where.startswith(_place(first.session))
        else f"{_place(first.session)}, {first.where}"
    )
    text = (
        f"Filed under {rule} ({kind}) because its rule check found the trace at fault in {where}: "
        f"expected {first.expected}; observed {first.observed}"
    )
    if len(found) > 1:
        text += f" (and in {len(found) - 1} more place(s))"
    if claims:
        sessions = sorted({c.session for c in claims})
        where = "the same session" if sessions == [first.session] else "the trace"
        text += (
            f"; the step expectation(s) {_quoted(claims)} failed, and the rule checks found {rule} "
            f"broken in {where}"
        )
    return text + "."


def filings(result: ScenarioResult, catalogue: Catalogue) -> tuple[Filing, ...]:
    """One sentence for each rule the scenario's failure is filed under (its findings), in their order."""
    sentences = []
    for rule in result.findings:
        entry = next((r for r in catalogue.rules if r.id == rule), None)
        kind = entry.kind.value if entry is not None else "not in the catalogue"
        found = [v for v in result.violations if v.rule == rule]
        claims = [c for c in result.claims if rule in _explained_by(c, result.violations)]
        parts = [_check_sentence(rule, kind, found, claims)] if found else []
        if entry is not None and entry.kind is RuleKind.EXAMPLE and rule in result.rules and result.claims:
            parts.append(
                f"Filed under {rule} ({kind}) because this scenario reproduces the page's worked example, "
                f"which spells out the whole result, and its expectation(s) {_quoted(list(result.claims))} "
                "failed."
            )
        sentences.append(Filing(rule, " ".join(parts)))
    return tuple(sentences)
