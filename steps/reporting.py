"""The pytest plugin that writes the conformance report of every feature run.

Results come from the kit's own grading (retrykit.results), never from pytest's
or pytest-bdd's wording. The report is written at the end of the session, also
when the run is interrupted (then marked partial), atomically, in three forms.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Generator
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from _pytest.junitxml import xml_key

from retrykit.catalogue import load_catalogue
from retrykit.collector import ResultCollector
from retrykit.errors import KitUsageError
from retrykit.expectations import expectations_text, load_expectations
from retrykit.mutation import load_strength
from retrykit.report import (
    Implementation,
    KnownFailure,
    ReportError,
    build_report,
    encodable,
    rerun_command,
    write_atomically,
)
from retrykit.report_set import (
    FolderLock,
    ReportFolderError,
    default_folder,
    lock_folder,
    new_run_id,
    usable_folder,
    write_report_set,
)
from retrykit.results import (
    InterpretationPolicy,
    ScenarioResult,
    Verdict,
    binding,
    result_from_json,
    result_to_json,
)
from retrykit.steps.step_log import StepLog, with_steps
from retrykit.steps.terminal import bdd_scenario, compact, scenario_location, wants_long
from retrykit.steps.when import MISSING_KEY, RUN_KEY, SCENARIO_KEY
from retrykit.text import printable

COLLECTOR = pytest.StashKey[ResultCollector]()
IMPLEMENTATION = pytest.StashKey[Implementation]()
_KNOWN = pytest.StashKey[dict[str, KnownFailure]]()
_EXPECTED_COUNT = pytest.StashKey[int]()
_WRITTEN = pytest.StashKey[Path]()
_POSITIONS = pytest.StashKey[dict[str, int]]()
_RECEIVER = pytest.StashKey["_Receiver"]()
_VERDICT = pytest.StashKey[tuple[str, list[str]]]()
_FOLDER = pytest.StashKey[Path]()
_LOCK = pytest.StashKey[FolderLock]()
_NOT_WRITTEN = pytest.StashKey[str]()
_SIGNALS = pytest.StashKey[dict[signal.Signals, Any]]()
_ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_WORKER_PIDS = pytest.StashKey[set[int]]()


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


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Last of the plugins' configure hooks, so every other usage error is found before the report
    folder is created."""
    config.stash[COLLECTOR] = ResultCollector(load_catalogue(), RUN_KEY, SCENARIO_KEY, MISSING_KEY)
    config.stash[_POSITIONS] = {}
    config.stash[_RECEIVER] = _Receiver(config.stash[COLLECTOR], config)
    config.pluginmanager.register(config.stash[_RECEIVER], "retrykit-results")
    config.pluginmanager.register(StepLog(), "retrykit-step-log")
    path = config.getoption("expectations")
    try:
        config.stash[_KNOWN] = load_expectations(path) if path is not None else {}
    except KitUsageError as error:
        raise pytest.UsageError(f"--expectations: {error}") from None
    config.pluginmanager.register(_Transfer(config), "retrykit-transfer")
    if not _is_worker(config):
        _hold_the_report_folder(config)
    _end_on_signals(config)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _hold_the_report_folder(config: pytest.Config) -> None:
    """A folder the user named is checked (created, writable) and locked before the first scenario runs:
    a folder that cannot take the report, or that another run is writing into, ends the run at once with
    one line. (The default folder is named after the implementation, known only once the target has
    answered: it is checked and locked when the report is written.)"""
    chosen = config.getoption("report_dir")
    if chosen is None:
        return
    folder = config.invocation_params.dir / chosen
    try:
        usable_folder(folder)
        config.stash[_LOCK] = lock_folder(folder)
    except ReportFolderError as error:
        raise pytest.UsageError(f"--report-dir: {error}") from None
    config.stash[_FOLDER] = folder


def _end_on_signals(config: pytest.Config) -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does: pytest stops at a KeyboardInterrupt, tears the
    target down (every adapter process is killed, a stopped one too) and the report is written, marked
    partial. In the controller and in every pytest-xdist worker, each of which runs its own adapter: the
    controller passes the signal on to its workers on this machine, which would otherwise be ended by
    execnet without tearing their adapters down. A second signal while the run is ending is ignored, so
    it cannot cut that clean-up short."""
    if threading.current_thread() is not threading.main_thread():
        return
    received: list[int] = []
    workers = config.stash.setdefault(_WORKER_PIDS, set())

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if received:
            return
        received.append(signum)
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signum)
        raise KeyboardInterrupt(f"{signal.Signals(signum).name} received")

    config.stash[_SIGNALS] = {number: signal.signal(number, interrupt) for number in _ENDING_SIGNALS}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodeready(node: Any) -> None:
    """pytest-xdist, on the controller: note the pid of a worker on this machine, to pass signals on."""
    spec = node.gateway.spec
    info = getattr(node.gateway, "_cache_rinfo", None)  # execnet's remote info, which xdist asked for
    if spec.popen and not spec.via and info is not None:
        node.config.stash.setdefault(_WORKER_PIDS, set()).add(info.pid)


def pytest_unconfigure(config: pytest.Config) -> None:
    lock = config.stash.get(_LOCK, None)
    if lock is not None:
        lock.release()
    for number, handler in config.stash.get(_SIGNALS, {}).items():
        signal.signal(number, signal.SIG_DFL if handler is None else handler)


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
    if output["implementation"] is not None:
        implementation = Implementation(**json.loads(output["implementation"]))
        current = config.stash.get(IMPLEMENTATION, None)
        if current is None or (implementation.stopped and not current.stopped):
            config.stash[IMPLEMENTATION] = implementation


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not _is_scenario(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        error = call.excinfo.value if call.excinfo is not None else None
        graded = item.config.stash[COLLECTOR].grade(item, report, error)
        result = _with_rerun(item, with_steps(item, graded, scenario_location(item)))
        _mirror(report, result, _policy(item.config))
        if report.failed and result.verdict is not Verdict.PASSED and not wants_long(item.config):
            report.longrepr = compact(
                result, location=result.location, kinds=_kinds(item.config), rerun=result.rerun
            )
        _for_junit(item, report, result)
        # An attribute of the report travels with it from a pytest-xdist worker to the controller.
        report.retrykit_result = result_to_json(result)  # type: ignore[attr-defined]
        report.retrykit_position = item.config.stash[_POSITIONS].get(item.nodeid, 0)  # type: ignore[attr-defined]
    return report


def _report_folder(config: pytest.Config, implementation: Implementation) -> Path:
    """Where this run's report goes: the --report-dir given (checked and locked before the first
    scenario), or reports/ in the folder the run started in and the implementation's name made a safe
    folder name, never the folder of the in-process reference engine nor of another tool
    (retrykit.report_set.default_folder)."""
    held = config.stash.get(_FOLDER, None)
    if held is not None:
        return held
    chosen = config.getoption("report_dir")
    if chosen is not None:
        return config.invocation_params.dir / chosen
    return default_folder(config.invocation_params.dir / "reports", implementation)


def _with_rerun(item: pytest.Item, result: ScenarioResult) -> ScenarioResult:
    """The one command that re-runs just this scenario, from any folder, into a folder of its own; the
    terminal and the report show this same command."""
    implementation = item.config.stash.get(IMPLEMENTATION, None)
    if result.rerun or implementation is None:
        return result
    config = item.config
    command = rerun_command(
        result.nodeid,
        implementation,
        root=config.rootpath,
        cwd=config.invocation_params.dir,
        report_dir=_report_folder(config, implementation),
    )
    return replace(result, rerun=command)


def _kinds(config: pytest.Config) -> dict[str, str]:
    return {rule.id: rule.kind.value for rule in config.stash[COLLECTOR].catalogue.rules}


def _for_junit(item: pytest.Item, report: pytest.TestReport, result: ScenarioResult) -> None:
    """JUnit XML: the rules, their kinds (in the same order) and the verdict as properties of the test
    case (pytest writes an item's user_properties with its last report); its name and classname travel
    on the report to where the XML is written (the controller under pytest-xdist), see _Receiver."""
    kinds = _kinds(item.config)
    item.user_properties += [("rule", r) for r in result.rules]
    item.user_properties += [("rule_kind", kinds.get(r, "unknown")) for r in result.rules]
    item.user_properties += [("rule_at_fault", r) for r in result.findings]
    item.user_properties.append(("verdict", result.verdict.value))
    if result.error_kind:
        item.user_properties.append(("error_kind", result.error_kind))
    scenario = bdd_scenario(item)
    if scenario is not None:
        item.user_properties.append(("location", scenario_location(item)))
        params = item.nodeid.partition("[")[2]
        report.retrykit_junit = {  # type: ignore[attr-defined]
            "name": result.name + (f" [{params}" if params else ""),
            "classname": scenario.feature.name,
        }


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

    def __init__(self, collector: ResultCollector, config: pytest.Config | None = None) -> None:
        self.collector = collector
        self.config = config
        self.positions: dict[str, int] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "retrykit_result", None)
        if data is not None:
            self.collector.results.append(
                result_from_json(json.loads(data) if isinstance(data, str) else data)
            )
            self.positions[report.nodeid] = report.retrykit_position  # type: ignore[attr-defined]
        junit = getattr(report, "retrykit_junit", None)
        xml = self.config.stash.get(xml_key, None) if self.config is not None else None
        if junit is not None and xml is not None:
            reporter = xml.node_reporter(report)
            for name, value in junit.items():
                reporter.add_attribute(name, value)

    def in_collection_order(self) -> list[ScenarioResult]:
        return sorted(self.collector.results, key=lambda r: self.positions.get(r.nodeid, 0))


class _Transfer:
    """What travels on a test report from a pytest-xdist worker to the controller.

    In a worker, every string on the report is made one execnet can send: it refuses a string UTF-8
    cannot hold (a lone surrogate an adapter sent, in a message, a file id or its name), and the whole
    run would end in an INTERNALERROR. The graded result travels as ASCII JSON (which keeps every string
    as it was), any other string with such code points escaped (``\\ud800``). Each graded result also
    carries the implementation it was judged against, so an interrupted run, whose workers never say
    goodbye, still knows it (and how many scenarios were collected) and writes its partial report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not _is_worker(self.config):
            known = getattr(report, "retrykit_implementation", None)
            if known is not None and IMPLEMENTATION not in self.config.stash:
                self.config.stash[IMPLEMENTATION] = Implementation(**json.loads(known))
            expected = getattr(report, "retrykit_expected", None)
            if expected is not None and _EXPECTED_COUNT not in self.config.stash:
                self.config.stash[_EXPECTED_COUNT] = expected
            return
        data = getattr(report, "retrykit_result", None)
        if isinstance(data, dict):
            report.retrykit_result = json.dumps(data)  # type: ignore[attr-defined]
        implementation = self.config.stash.get(IMPLEMENTATION, None)
        if data is not None and implementation is not None:
            report.retrykit_implementation = json.dumps(asdict(implementation))  # type: ignore[attr-defined]
            report.retrykit_expected = self.config.stash.get(_EXPECTED_COUNT, None)  # type: ignore[attr-defined]
        for name, value in list(vars(report).items()):
            if not name.startswith("retrykit_"):
                setattr(report, name, _transferable(value))


def _transferable(value: object) -> Any:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, list):
        return [_transferable(v) for v in value]
    if isinstance(value, tuple):
        items = [_transferable(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {_transferable(k): _transferable(v) for k, v in value.items()}
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = str(value)  # a longrepr: kept as it is when it can travel, else as its text
    return value if encodable(text) == text else encodable(text)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    collector = config.stash[COLLECTOR]
    if hasattr(config, "workerinput"):
        implementation = config.stash.get(IMPLEMENTATION, None)
        config.workeroutput["retrykit"] = {  # type: ignore[attr-defined]
            "expected": config.stash.get(_EXPECTED_COUNT, 0),
            # ASCII JSON: execnet cannot carry a string that UTF-8 cannot hold (a lone surrogate)
            "implementation": None if implementation is None else json.dumps(asdict(implementation)),
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
        run_id=new_run_id(),
    )
    config.stash[_VERDICT] = (report["conforms"], report["reasons"])
    if results and not report["accepted"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    folder = _report_folder(config, implementation)
    try:
        lock = config.stash.get(_LOCK, None)
        if lock is None:
            usable_folder(folder)
        write_report_set(folder, report, lock=lock)
    except (ReportError, OSError) as error:
        reason = str(error) if isinstance(error, ReportError) else f"{folder}: {error.strerror or error}"
        config.stash[_NOT_WRITTEN] = printable(reason, keep="")
        folder_problem = isinstance(error, ReportFolderError)
        session.exitstatus = pytest.ExitCode.USAGE_ERROR if folder_problem else pytest.ExitCode.INTERNAL_ERROR
    else:
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
    if _NOT_WRITTEN in config.stash:
        terminalreporter.write_line(f"report not written: {config.stash[_NOT_WRITTEN]}", red=True)
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
