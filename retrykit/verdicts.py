"""Why a scenario did not pass, as data the report can show side by side."""

from __future__ import annotations

from retrykit.oracles import Violation


class ExpectationMismatch(AssertionError):
    """A ``Then`` step saw something other than the scenario states."""

    def __init__(self, what: str, expected: str, observed: str) -> None:
        super().__init__(f"{what}\n  expected: {expected}\n  observed: {observed}")
        self.what = what
        self.expected = expected
        self.observed = observed


class RuleViolations(AssertionError):
    """The catalogue's oracles found the trace breaking one or more rules."""

    def __init__(self, violations: list[Violation]) -> None:
        lines = "\n".join(f"  {v}" for v in violations)
        super().__init__(f"the trace breaks {len(violations)} rule check(s):\n{lines}")
        self.violations = violations
