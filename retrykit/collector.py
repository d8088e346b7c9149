"""Collect each scenario's graded result as pytest runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference import engine
from reference.model import Scenario
from retrykit.catalogue import Catalogue
from retrykit.codec import scenario_to_json, trace_to_json
from retrykit.results import Mismatch, ScenarioResult, Verdict, grade
from retrykit.verdicts import ExpectationMismatch


def scenario_rules(item: pytest.Item) -> tuple[str, ...]:
    return tuple(sorted(str(m.args[0]) for m in item.iter_markers("rule")))


class ResultCollector:
    """Grades each scenario where it runs, and keeps every graded result where the report is written."""

    def __init__(self, catalogue: Catalogue, run_key: pytest.StashKey, scenario_key: pytest.StashKey) -> None:
        self.catalogue = catalogue
        self.results: list[ScenarioResult] = []
        self._run_key = run_key
        self._scenario_key = scenario_key

    def grade(
        self, item: pytest.Item, report: pytest.TestReport, error: BaseException | None
    ) -> ScenarioResult:
        rules = scenario_rules(item)
        interpretation = item.get_closest_marker("interpretation") is not None
        run = item.stash.get(self._run_key, None)
        scenario: Scenario | None = item.stash.get(self._scenario_key, None)
        violations = run.violations if run is not None else ()
        if report.skipped and not hasattr(report, "wasxfail"):
            verdict, reason, kind = Verdict.SKIPPED, _skip_reason(report), ""
        else:
            verdict, reason, kind = grade(
                error, violations, interpretation=interpretation, catalogue=self.catalogue
            )
        mismatch = None
        if isinstance(error, ExpectationMismatch):
            mismatch = Mismatch(error.what, error.expected, error.observed)
        doc = getattr(item.obj, "__doc__", "") or ""
        feature_path, _, name = doc.partition(": ")
        feature = Path(feature_path).name
        return ScenarioResult(
            nodeid=item.nodeid,
            feature=feature,
            name=name or item.name,
            rules=rules,
            interpretation=interpretation,
            verdict=verdict,
            reason=reason,
            error_kind=kind,
            violations=violations,
            mismatch=mismatch,
            scenario=scenario_to_json(scenario) if scenario is not None else None,
            trace=trace_to_json(run.trace) if run is not None else None,
            expected_trace=trace_to_json(engine.run(scenario)) if scenario is not None else None,
            duration=report.duration,
        )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
