"""A scenario's Gherkin steps as its report shows them: each with its line and whether it failed.

Recorded while pytest-bdd runs the scenario (retrykit.steps.step_log). ``Then`` steps are soft, and the
kit raises what they all found after the last one; the record marks the very steps whose expectations
failed instead, so a reader sees at once which line of the feature file the trace contradicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class StepOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"


MARKS = {StepOutcome.PASSED: " ", StepOutcome.FAILED: "✘", StepOutcome.NOT_RUN: "·"}
"""The mark in front of a step in report.md and report.html."""


@dataclass(frozen=True)
class StepLine:
    keyword: str
    text: str
    line: int
    """The step's line in its feature file."""
    outcome: StepOutcome = StepOutcome.NOT_RUN
    table: tuple[tuple[str, ...], ...] = ()
    """The step's data table, header row first; empty when it has none."""
    notes: tuple[str, ...] = ()
    """Why it failed: the expectations of it that the trace does not meet, or the error it raised."""

    def to_json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "text": self.text,
            "line": self.line,
            "outcome": self.outcome.value,
            "table": [list(row) for row in self.table],
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepLine:
        return cls(
            data["keyword"],
            data["text"],
            data["line"],
            StepOutcome(data["outcome"]),
            tuple(tuple(row) for row in data["table"]),
            tuple(data["notes"]),
        )
