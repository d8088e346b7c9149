"""What a scenario's ``Then`` steps and the oracles found, as data the grading reads.

``Then`` steps are soft: each records a ``FailedClaim`` and the scenario goes on, so every
expectation of a scenario is compared, not only the first that fails, and the grading sees
all of them beside the oracles' violations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrykit.oracles import JOB_WIDE, Violation


@dataclass(frozen=True)
class FailedClaim:
    """One thing a scenario states that the trace does not show."""

    what: str
    expected: str
    observed: str
    session: int = JOB_WIDE
    """The session the claim is about (JOB_WIDE: the job's sessions or its backup chain)."""

    def __str__(self) -> str:
        return f"{self.what}\n  expected: {self.expected}\n  observed: {self.observed}"


@dataclass
class ClaimLog:
    """The failed claims of one scenario, in the order its steps stated them."""

    failed: list[FailedClaim] = field(default_factory=list)

    def check(self, what: str, expected: object, observed: object, session: int = JOB_WIDE) -> None:
        if expected != observed:
            self.failed.append(FailedClaim(what, str(expected), str(observed), session))


class ScenarioFindings(AssertionError):
    """The scenario's expectations or the catalogue's oracles found the trace at fault."""

    def __init__(self, claims: list[FailedClaim], violations: list[Violation]) -> None:
        lines = [f"the trace differs from {len(claims)} expectation(s) of the scenario:"] if claims else []
        lines += [f"  {c}".replace("\n", "\n  ") for c in claims]
        if violations:
            lines.append(f"the trace breaks {len(violations)} rule check(s):")
            lines += [f"  {v}" for v in violations]
        super().__init__("\n".join(lines))
        self.claims = claims
        self.violations = violations
