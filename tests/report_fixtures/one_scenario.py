"""Reports of one scenario judged as a run of the suite judges it, for the merge tests."""

from __future__ import annotations

from dataclasses import replace

from retrykit.catalogue import load_catalogue
from retrykit.codec import scenario_to_json, trace_to_json
from retrykit.oracles import judge
from retrykit.reference import engine
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    Scenario,
    SessionPlan,
    TaskResult,
    Trace,
)
from retrykit.report import Implementation, Json, build_report
from retrykit.results import ScenarioResult, grade
from retrykit.verdicts import ScenarioFindings

SCENARIO = Scenario(
    Job("j", ("VM 1", "VM 2"), ChainFormat.PER_MACHINE),
    (SessionPlan(outcomes=tuple(InjectedOutcome("VM 2", a, TaskResult.FAILED) for a in (1, 2, 3, 4))),),
)
NODEID = "features/test_features.py::test_count"
GOOD = engine.run(SCENARIO)


def one_scenario_report(name: str, trace: Trace, *, complete: bool = True, file_prefix: str = "") -> Json:
    """The report of implementation ``name`` answering ``trace`` to SCENARIO; ``file_prefix`` gives its
    files ids of their own (two runs with the same ids count as copies of one report)."""
    catalogue = load_catalogue()
    if file_prefix:
        trace = replace(trace, files=tuple(replace(f, id=file_prefix + f.id) for f in trace.files))
    violations = tuple(judge(SCENARIO, trace))
    rules = ("JR.COUNT.DEFAULT",)
    graded = grade(ScenarioFindings([], list(violations)) if violations else None, rules, catalogue)
    result = ScenarioResult(
        nodeid=NODEID,
        feature="retry_count.feature",
        name="count",
        rules=rules,
        interpretation=False,
        verdict=graded.verdict,
        reason=graded.reason,
        error_kind=graded.error_kind,
        violations=violations,
        findings=graded.findings,
        scenario=scenario_to_json(SCENARIO),
        trace=trace_to_json(trace),
        expected_trace=trace_to_json(engine.run(SCENARIO)),
    )
    implementation = Implementation(name, "1.0", "1.0", f"python {name}.py")
    return build_report(
        [result], catalogue, implementation, generated="2026-11-25T00:00:00+00:00", complete=complete
    )
