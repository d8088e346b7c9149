"""A report whose every implementation-supplied string is hostile, built from crafted results."""

from __future__ import annotations

import json
from typing import Any

from retrykit.catalogue import load_catalogue
from retrykit.codec import scenario_from_json, trace_to_json
from retrykit.oracles import Violation
from retrykit.reference import engine
from retrykit.report import Implementation, KnownFailure, build_report
from retrykit.results import ScenarioResult, Verdict
from retrykit.steplog import StepLine, StepOutcome
from retrykit.validation import schema
from retrykit.verdicts import FailedClaim

from .hostile_adapter import CONTROLS, FENCE_BREAK, IMG, PWNED, SCRIPT

LONG_LINE = "L" * 100_000
TEXT = (
    f"{SCRIPT} {IMG} {PWNED} ' \" \u202egnp.exe \u2028 | pipe | `tick` ``` "
    f"[link](https://evil.example/) ![pixel](https://evil.example/p.png) {CONTROLS} {LONG_LINE}"
    f"{FENCE_BREAK}after the fence"
)
VMS = (f"{SCRIPT}|\x00", f"{IMG}\u202e`")
"""VM names as long as the scenario schema allows them to be hostile."""


def hostile_scenario() -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema's worked example with hostile VM names, and the reference engine's trace of it."""
    text = json.dumps(schema("scenario")["examples"][0])
    for plain, hostile in zip(("VM 1", "VM 2"), VMS, strict=True):
        text = text.replace(json.dumps(plain), json.dumps(hostile))
    scenario = json.loads(text)
    return scenario, trace_to_json(engine.run(scenario_from_json(scenario)))


def hostile_results() -> list[ScenarioResult]:
    scenario, trace = hostile_scenario()
    observed = json.loads(json.dumps(trace))
    observed["sessions"][0]["status"] = "success"
    common = {"feature": TEXT, "interpretation": False}
    return [
        ScenarioResult(
            nodeid=f"features/test_features.py::failed {TEXT}",
            name=f"failed {TEXT}",
            rules=("JR.COUNT.DEFAULT",),
            verdict=Verdict.FAILED,
            reason=TEXT,
            violations=(Violation("JR.STATUS.FAILED", TEXT, TEXT, TEXT),),
            claims=(FailedClaim(TEXT, TEXT, TEXT),),
            findings=("JR.STATUS.FAILED",),
            scenario=scenario,
            trace=observed,
            expected_trace=trace,
            reproducer=TEXT,
            rerun=f"pytest {TEXT}",
            location=TEXT,
            steps=(StepLine(TEXT, TEXT, 1, StepOutcome.FAILED, ((TEXT, TEXT), (TEXT, TEXT)), (TEXT,)),),
            **common,
        ),
        ScenarioResult(
            nodeid=f"features/test_features.py::error {TEXT}",
            name=f"error {TEXT}",
            rules=("JR.SESSION.SAME",),
            verdict=Verdict.ERROR,
            reason=TEXT,
            error_kind=TEXT,
            **common,
        ),
        ScenarioResult(
            nodeid=f"features/test_features.py::skipped {TEXT}",
            name=f"skipped {TEXT}",
            rules=("JR.MANUAL.START",),
            verdict=Verdict.SKIPPED,
            reason=TEXT,
            **common,
        ),
        ScenarioResult(
            nodeid=f"features/test_features.py::passed {TEXT}",
            name=f"passed {TEXT}",
            rules=("JR.MANUAL.STOP",),
            verdict=Verdict.PASSED,
            scenario=scenario,
            trace=trace,
            expected_trace=trace,
            **common,
        ),
    ]


def hostile_report() -> dict[str, Any]:
    results = hostile_results()
    known = {
        r.nodeid: KnownFailure(TEXT, TEXT) for r in results if r.verdict in (Verdict.FAILED, Verdict.PASSED)
    }
    return build_report(
        results,
        load_catalogue(),
        Implementation(name=TEXT, version=TEXT, protocol="1.0", command=TEXT),
        generated="2026-01-01T00:00:00+00:00",
        complete=True,
        known_failures=known,
    )
