"""Grade each scenario as pytest runs it, by the kit's grading model (retrykit.results)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrykit.catalogue import Catalogue
from retrykit.codec import scenario_to_json, trace_to_json
from retrykit.drivers import expected_json
from retrykit.reference.model import Scenario
from retrykit.results import Grade, ScenarioResult, Verdict, grade
from retrykit.verdicts import ScenarioFindings


def scenario_rules(item: pytest.Item) -> tuple[str, ...]:
    return tuple(sorted(str(m.args[0]) for m in item.iter_markers("rule")))


class ResultCollector:
    """Grades each scenario where it runs, and keeps every graded result where the report is written."""

    def __init__(
        self,
        catalogue: Catalogue,
        run_key: pytest.StashKey,
        scenario_key: pytest.StashKey,
        missing_key: pytest.StashKey,
    ) -> None:
        self.catalogue = catalogue
        self.results: list[ScenarioResult] = []
        self._run_key = run_key
        self._scenario_key = scenario_key
        self._missing_key = missing_key

    def grade(
        self, item: pytest.Item, report: pytest.TestReport, error: BaseException | None
    ) -> ScenarioResult:
        rules = scenario_rules(item)
        run = item.stash.get(self._run_key, None)
        scenario: Scenario | None = item.stash.get(self._scenario_key, None)
        missing: tuple[str, ...] = item.stash.get(self._missing_key, ())
        if report.skipped and not hasattr(report, "wasxfail"):
            graded = Grade(Verdict.NOT_APPLICABLE if missing else Verdict.SKIPPED, _skip_reason(report))
        else:
            graded = grade(error, rules, self.catalogue)
        findings = error if isinstance(error, ScenarioFindings) else None
        doc = getattr(getattr(item, "obj", None), "__doc__", "") or ""
        feature_path, _, name = doc.partition(": ")
        return ScenarioResult(
            nodeid=item.nodeid,
            feature=Path(feature_path).name,
            name=name or item.name,
            rules=rules,
            interpretation=item.get_closest_marker("interpretation") is not None,
            verdict=graded.verdict,
            reason=graded.reason,
            error_kind=graded.error_kind,
            violations=run.violations if run is not None else (),
            claims=tuple(findings.claims) if findings is not None else (),
            findings=graded.findings,
            missing_capabilities=missing,
            scenario=scenario_to_json(scenario) if scenario is not None else None,
            trace=trace_to_json(run.trace) if run is not None else None,
            expected_trace=None if scenario is None else expected_json(scenario),
            duration=report.duration,
        )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
