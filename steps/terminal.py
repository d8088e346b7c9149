"""What the terminal shows for a scenario that did not pass: one compact block a person reads in seconds.

Built from the graded result (retrykit.results), never from pytest's traceback: the scenario's title, its
feature file and line, the rules at fault with their kind, expected against observed, and the command
that re-runs just that scenario. pytest's own traceback stays available with ``-v`` or ``--tb=long``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
from pytest_bdd.parser import ScenarioTemplate
from pytest_bdd.scenario import scenario_wrapper_template_registry

from retrykit.results import ScenarioResult, Verdict
from retrykit.text import printable

MAX_VIOLATIONS = 4
MAX_CLAIMS = 3
MAX_REASON_LINES = 4
_WIDTH = 240
"""The longest value shown on one line; the report has the rest."""


def wants_long(config: pytest.Config) -> bool:
    """Whether the user asked for pytest's own traceback (-v, or a --tb style other than the default)."""
    return config.getoption("verbose", 0) > 0 or config.getoption("tbstyle", "auto") != "auto"


def bdd_scenario(item: pytest.Item) -> ScenarioTemplate | None:
    """The Gherkin scenario pytest-bdd bound this test to (its feature, title and line), if any."""
    function = getattr(item, "obj", None)
    return None if function is None else scenario_wrapper_template_registry.get(function)


def scenario_location(item: pytest.Item) -> str:
    """The scenario's feature file and line ('features/retry_count.feature:14'), relative to where the run
    started when it lies below it; empty when pytest-bdd did not bind the test to a scenario."""
    scenario = bdd_scenario(item)
    if scenario is None:
        return ""
    path = Path(scenario.feature.filename)
    here = item.config.invocation_params.dir
    shown = os.path.relpath(path, here) if path.is_relative_to(here) else str(path)
    return f"{shown}:{scenario.line_number}"


def _one_line(text: object) -> str:
    flat = " ".join(printable(text, keep="").split())
    return flat if len(flat) <= _WIDTH else flat[: _WIDTH - 3] + "..."


def _more(shown: int, total: int, what: str) -> list[str]:
    return [f"    ... and {total - shown} more {what} (see the report)"] if total > shown else []


def compact(result: ScenarioResult, *, location: str, kinds: Mapping[str, str], rerun: str) -> str:
    """At most about a dozen lines: what failed, where, which rule and why, and how to re-run it."""
    title = f"{result.verdict.value}: {_one_line(result.name)}"
    lines = [title, f"  at {location or _one_line(result.nodeid)}"]
    if result.findings:
        at_fault = ", ".join(f"{r} ({kinds.get(r, 'unknown kind')})" for r in result.findings)
        lines.append(f"  rules at fault: {_one_line(at_fault)}")
    if result.verdict is Verdict.ERROR and result.error_kind:
        lines.append(f"  error kind: {_one_line(result.error_kind)}")
    for violation in result.violations[:MAX_VIOLATIONS]:
        lines.append(
            f"  [{violation.rule}] {_one_line(violation.where)}: expected {_one_line(violation.expected)}; "
            f"observed {_one_line(violation.observed)}"
        )
    lines += _more(MAX_VIOLATIONS, len(result.violations), "rule check(s)")
    for claim in result.claims[:MAX_CLAIMS]:
        lines.append(
            f"  step '{_one_line(claim.what)}': expected {_one_line(claim.expected)}; "
            f"observed {_one_line(claim.observed)}"
        )
    lines += _more(MAX_CLAIMS, len(result.claims), "expectation(s)")
    if not result.violations and not result.claims and result.reason:
        reason = [_one_line(line) for line in result.reason.splitlines() if line.strip()]
        lines += [f"  {line}" for line in reason[:MAX_REASON_LINES]]
        lines += _more(MAX_REASON_LINES, len(reason), "line(s)")
    lines.append(f"  rerun: {printable(rerun, keep='')}")
    return "\n".join(lines)
