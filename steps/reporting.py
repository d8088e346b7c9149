"""The pytest plugin that writes the conformance report of every feature run.

Results come from the kit's own grading (retrykit.results), never from pytest's
or pytest-bdd's wording. The report is written at the end of the session, also
when the run is interrupted (then marked partial), atomically, in three forms.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrykit.catalogue import load_catalogue
from retrykit.collector import ResultCollector
from retrykit.errors import KitUsageError
from retrykit.expectations import expectations_text, load_expectations
from retrykit.paths import REPORTS
from retrykit.render_html import render_html
from retrykit.render_md import render_markdown
from retrykit.report import Implementation, KnownFailure, build_report, report_json_text, write_atomically
from retrykit.results import Verdict
from steps.when import RUN_KEY, SCENARIO_KEY

COLLECTOR = pytest.StashKey[ResultCollector]()
IMPLEMENTATION = pytest.StashKey[Implementation]()
_KNOWN = pytest.StashKey[dict[str, KnownFailure]]()
_EXPECTED_COUNT = pytest.StashKey[int]()
_WRITTEN = pytest.StashKey[Path]()


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
    config.stash[COLLECTOR] = ResultCollector(load_catalogue(), RUN_KEY, SCENARIO_KEY)
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
    session.config.stash[_EXPECTED_COUNT] = sum(_is_scenario(item) for item in session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not _is_scenario(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        error = call.excinfo.value if call.excinfo is not None else None
        item.config.stash[COLLECTOR].record(item, report, error)
    return report


def _folder_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "implementation"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    collector = config.stash[COLLECTOR]
    if hasattr(config, "workerinput") or IMPLEMENTATION not in config.stash:
        return
    implementation = config.stash[IMPLEMENTATION]
    complete = exitstatus != pytest.ExitCode.INTERRUPTED and len(collector.results) == config.stash.get(
        _EXPECTED_COUNT, -1
    )
    known = config.stash[_KNOWN]
    report = build_report(
        collector.results,
        collector.catalogue,
        implementation,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=complete,
        known_failures=known,
    )
    folder = config.getoption("report_dir") or REPORTS / _folder_name(implementation.name)
    write_atomically(folder / "report.md", render_markdown(report))
    write_atomically(folder / "report.html", render_html(report))
    write_atomically(folder / "report.json", report_json_text(report))
    config.stash[_WRITTEN] = folder
    target = config.getoption("write_expectations")
    if target is not None:
        failing = [
            (r.nodeid, (r.reason.splitlines() or [r.verdict.value])[0][:200])
            for r in collector.results
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
    name = "".join(ch for ch in config.stash[IMPLEMENTATION].name if ch.isprintable())
    terminalreporter.write_line(f"{len(collector.results)} scenarios judged against {name}: {summary}")
    stale = sorted(set(config.stash[_KNOWN]) - {r.nodeid for r in collector.results})
    if stale:
        terminalreporter.write_line(
            f"expectations name {len(stale)} scenario(s) this run did not judge: {stale[0]} ..."
        )
    terminalreporter.write_line(f"report: {shown / 'report.md'} (also report.json, report.html)")
