"""The pytest plugin that writes the conformance report of every feature run.

Results come from the kit's own grading (retrykit.results), never from pytest's
or pytest-bdd's wording. The report is written at the end of the session, also
when the run is interrupted (then marked partial), atomically, in three forms.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from retrykit.catalogue import load_catalogue
from retrykit.collector import ResultCollector
from retrykit.errors import KitUsageError
from retrykit.expectations import expectations_text, load_expectations
from retrykit.mutation import load_strength
from retrykit.paths import REPORTS
from retrykit.render_html import render_html
from retrykit.render_md import render_markdown
from retrykit.report import Implementation, KnownFailure, build_report, report_json_text, write_atomically
from retrykit.results import (
    InterpretationPolicy,
    ScenarioResult,
    Verdict,
    binding,
    result_from_json,
    result_to_json,
)
from retrykit.text import printable
from steps.when import MISSING_KEY, RUN_KEY, SCENARIO_KEY

COLLECTOR = pytest.StashKey[ResultCollector]()
IMPLEMENTATION = pytest.StashKey[Implementation]()
_KNOWN = pytest.StashKey[dict[str, KnownFailure]]()
_EXPECTED_COUNT = pytest.StashKey[int]()
_WRITTEN = pytest.StashKey[Path]()
_POSITIONS = pytest.StashKey[dict[str, int]]()
_RECEIVER = pytest.StashKey["_Receiver"]()
_VERDICT = pytest.StashKey[tuple[str, list[str]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("job retry conformance")
    group.addoption(
        "--report-dir",
        metavar="DIR",
        type=Path,
        help="where to write report.json, report.md and report.html (default: reports/<implementation name>)",
    )
    group.addoption(
        "--expectations",
        metavar="FILE",
        type=Path,
        help="a TOML file of known failures: they do not fail the run, and one that passes again is reported",
    )
    group.addoption(
        "--write-expectations",
        metavar="FILE",
        type=Path,
        help="write this run's failures as a known-failures file (edit the reasons before you commit it)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[COLLECTOR] = ResultCollector(load_catalogue(), RUN_KEY, SCENARIO_KEY, MISSING_KEY)
    config.stash[_POSITIONS] = {}
    config.stash[_RECEIVER] = _Receiver(config.stash[COLLECTOR])
    config.pluginmanager.register(config.stash[_RECEIVER], "retrykit-results")
    path = config.getoption("expectations")
    try:
        config.stash[_KNOWN] = load_expectations(path) if path is not None else {}
    except KitUsageError as error:
        raise pytest.UsageError(f"--expectations: {error}") from None


def _is_scenario(item: pytest.Item) -> bool:
    return item.get_closest_marker("rule") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = config.stash[_KNOWN]
    for item in items:
        if item.nodeid in known:
            item.add_marker(
                pytest.mark.xfail(reason=f"known failure: {known[item.nodeid].reason}", strict=False)
            )


def pytest_collection_finish(session: pytest.Session) -> None:
    scenarios = [item.nodeid for item in session.items if _is_scenario(item)]
    session.config.stash[_EXPECTED_COUNT] = len(scenarios)
    session.config.stash[_POSITIONS] = {nodeid: index for index, nodeid in enumerate(scenarios)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: a worker is done; it collected every scenario, and knows the target it ran against."""
    output = getattr(node, "workeroutput", {}).get("retrykit")
    if output is None:
        return
    config = node.config
    config.stash[_EXPECTED_COUNT] = output["expected"]
    if output["implementation"] is not None and IMPLEMENTATION not in config.stash:
        config.stash[IMPLEMENTATION] = Implementation(**output["implementation"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not _is_scenario(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        error = call.excinfo.value if call.excinfo is not None else None
        result = item.config.stash[COLLECTOR].grade(item, report, error)
        _mirror(report, result, _policy(item.config))
        # An attribute of the report travels with it from a pytest-xdist worker to the controller.
        report.retrykit_result = result_to_json(result)  # type: ignore[attr-defined]
        report.retrykit_position = item.config.stash[_POSITIONS].get(item.nodeid, 0)  # type: ignore[attr-defined]
    return report


def _policy(config: pytest.Config) -> InterpretationPolicy:
    return InterpretationPolicy(config.getoption("interpretations"))


def _mirror(report: pytest.TestReport, result: ScenarioResult, policy: InterpretationPolicy) -> None:
    """pytest's outcome tells the kit's story: a difference on an interpretation that the policy does not
    count is shown as an expected failure (x), never as a pass nor as a failure."""
    if result.verdict is Verdict.DIFFERS and not binding(result.verdict, policy) and report.failed:
        report.outcome = "skipped"
        report.wasxfail = (  # type: ignore[attr-defined]
            f"differs from the kit's interpretation of {', '.join(result.findings)} "
            "(reported, not counted: --interpretations report)"
        )


class _Receiver:
    """Where the report is written (the controller under pytest-xdist), every graded result arrives."""

    def __init__(self, collector: ResultCollector) -> None:
        self.collector = collector
        self.positions: dict[str, int] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "retrykit_result", None)
        if data is not None:
            self.collector.results.append(result_from_json(data))
            self.positions[report.nodeid] = report.retrykit_position  # type: ignore[attr-defined]

    def in_collection_order(self) -> list[ScenarioResult]:
        return sorted(self.collector.results, key=lambda r: self.positions.get(r.nodeid, 0))


def _folder_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "implementation"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    collector = config.stash[COLLECTOR]
    if hasattr(config, "workerinput"):
        implementation = config.stash.get(IMPLEMENTATION, None)
        config.workeroutput["retrykit"] = {  # type: ignore[attr-defined]
            "expected": config.stash.get(_EXPECTED_COUNT, 0),
            "implementation": None if implementation is None else asdict(implementation),
        }
        return
    if IMPLEMENTATION not in config.stash:
        return
    implementation = config.stash[IMPLEMENTATION]
    results = config.stash[_RECEIVER].in_collection_order()
    complete = exitstatus != pytest.ExitCode.INTERRUPTED and len(results) == config.stash.get(
        _EXPECTED_COUNT, -1
    )
    known = config.stash[_KNOWN]
    report = build_report(
        results,
        collector.catalogue,
        implementation,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=complete,
        expected=config.stash.get(_EXPECTED_COUNT, len(results)),
        policy=_policy(config),
        known_failures=known,
        strength=load_strength(),
    )
    config.stash[_VERDICT] = (report["conforms"], report["reasons"])
    if results and not report["accepted"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    folder = config.getoption("report_dir") or REPORTS / _folder_name(implementation.name)
    write_atomically(folder / "report.md", render_markdown(report))
    write_atomically(folder / "report.html", render_html(report))
    write_atomically(folder / "report.json", report_json_text(report))
    config.stash[_WRITTEN] = folder
    target = config.getoption("write_expectations")
    if target is not None:
        failing = [
            (r.nodeid, (r.reason.splitlines() or [r.verdict.value])[0][:200])
            for r in results
            if r.verdict in (Verdict.FAILED, Verdict.DIFFERS, Verdict.ERROR)
        ]
        write_atomically(target, expectations_text(failing, implementation.name))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    folder = config.stash.get(_WRITTEN, None)
    if folder is None:
        return
    collector = config.stash[COLLECTOR]
    shown = folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder
    terminalreporter.write_sep("-", "job retry conformance")
    counts: dict[str, int] = {}
    for result in collector.results:
        counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    name = printable(config.stash[IMPLEMENTATION].name, keep="")
    terminalreporter.write_line(f"{len(collector.results)} scenarios against {name}: {summary}")
    conforms, reasons = config.stash[_VERDICT]
    terminalreporter.write_line(f"conforms to the page: {conforms}")
    for reason in reasons:
        terminalreporter.write_line(f"  - {printable(reason, keep='')}")
    stale = sorted(config.stash[_KNOWN].keys() - {r.nodeid for r in collector.results})
    if stale:
        terminalreporter.write_line(
            f"expectations name {len(stale)} scenario(s) this run did not judge: {stale[0]} ..."
        )
    terminalreporter.write_line(f"report: {shown / 'report.md'} (also report.json, report.html)")
