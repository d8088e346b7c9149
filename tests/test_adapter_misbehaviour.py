"""A misbehaving target is a result: every way an adapter can break gets a clear TargetError, the run goes on,
and no process of the adapter outlives the harness.

Each broken adapter in tests/broken_adapters/ is a tiny script named for its defect; every process it starts
leaves a note (a file named for its pid) in the folder $BROKEN_ADAPTER_PIDS names, so the tests can check
that none of them survives, also when they run behind ``pytest features`` in a child process.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT

from retrykit.adapter import AdapterTarget, TargetSkipped
from retrykit.codec import scenario_from_json
from retrykit.drivers import ReferenceTarget
from retrykit.errors import ErrorKind, TargetError
from retrykit.reference.model import ChainFormat, Job, Scenario, SessionPlan
from retrykit.validation import schema

BROKEN = Path(__file__).parent / "broken_adapters"
PIDS_VARIABLE = "BROKEN_ADAPTER_PIDS"  # the same name as in broken_adapters/_shared.py
SCENARIO = scenario_from_json(
    next(m["scenario"] for m in schema("protocol")["examples"] if m["type"] == "run")
)
EXPECTED = ReferenceTarget().run(SCENARIO)


def command(adapter: str) -> list[str]:
    return [sys.executable, str(BROKEN / f"{adapter}.py")]


# -- processes, read from /proc ----------------------------------------------------------------------


def _processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (state, parent pid, process group) of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, parent, group = stat[stat.rindex(")") + 2 :].split()[:3]
            table[int(entry.name)] = (state, int(parent), int(group))
    return table


def running(pids: Iterable[int]) -> set[int]:
    """Those of ``pids``, and the members of process groups they lead, that still run (a zombie has ended)."""
    wanted = set(pids)
    return {
        pid
        for pid, (state, _, group) in _processes().items()
        if state not in ("Z", "X") and (pid in wanted or group in wanted)
    }


def still_running_after(pids: Iterable[int], seconds: float = 3.0) -> set[int]:
    """What still runs once ``seconds`` have passed; a SIGKILL is not delivered in the same instant."""
    wanted = set(pids)
    deadline = time.monotonic() + seconds
    while (left := running(wanted)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def kill(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class Notes:
    """The processes the broken adapters started, as they noted them in a folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def pids(self, role: str | None = None) -> set[int]:
        return {
            int(note.name)
            for note in self.folder.iterdir()
            if role is None or note.read_text(encoding="utf-8") == role
        }


# -- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Notes:
    monkeypatch.setenv(PIDS_VARIABLE, str(tmp_path / "pids"))
    return Notes(tmp_path / "pids")


@pytest.fixture
def adapter(notes: Notes) -> Iterator[Callable[..., AdapterTarget]]:
    """Opens a broken adapter; afterwards closes every one, also when the test failed, and checks that no
    process any of them started is left."""
    opened: list[AdapterTarget] = []

    def open_adapter(name: str, **options: Any) -> AdapterTarget:
        target = AdapterTarget(command(name), **options)
        opened.append(target)
        return target

    yield open_adapter
    for target in opened:
        target.close()
    left = still_running_after(notes.pids())
    kill(left)
    assert not left, f"processes left behind after close(): {sorted(left)}"


def raised(call: Callable[[], object]) -> TargetError:
    with pytest.raises(TargetError) as caught:
        call()
    return caught.value


# -- one misbehaviour at a time ----------------------------------------------------------------------


def test_an_adapter_that_exits_at_start_fails_the_handshake_once_with_its_status_and_stderr(
    adapter, notes
) -> None:
    """It never shook hands, so nothing can be judged: every scenario gets the same handshake error and
    the adapter is not started again."""
    target = adapter("exits_at_start", timeout=5)
    for _ in range(3):
        error = raised(lambda: target.run(SCENARIO))
        assert error.kind is ErrorKind.HANDSHAKE
        assert "exited (status 3) before answering hello" in str(error)
        assert "cannot read the licence file /etc/acme/licence.key" in str(error)
    assert "exited (status 3)" in target.handshake_error
    assert len(notes.pids()) == 1, "started again after its handshake failed"


def test_a_crash_mid_run_fails_that_scenario_only_and_the_next_one_gets_a_fresh_process(
    adapter, notes
) -> None:
    target = adapter("crashes_on_second_run", timeout=5)
    assert target.run(SCENARIO) == EXPECTED
    first = notes.pids()
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.CRASH
    assert "exited (status 70) before answering run #2" in str(error)
    assert "internal error in the retry planner" in str(error)
    assert target.restarts == 1
    assert not running(first)
    assert target.run(SCENARIO) == EXPECTED
    assert len(notes.pids() - first) == 1


def test_a_hang_is_a_timeout_within_about_the_timeout_and_the_process_is_killed(adapter, notes) -> None:
    target = adapter("hangs_on_run", timeout=1)
    target.start()
    first = notes.pids()
    began = time.monotonic()
    error = raised(lambda: target.run(SCENARIO))
    took = time.monotonic() - began
    assert error.kind is ErrorKind.TIMEOUT
    assert "no answer to run #1 within 1 s" in str(error)
    assert 0.9 < took < 3, took
    assert not running(first)
    assert target.restarts == 1
    target.start()  # what the next run does first
    assert running(notes.pids() - first)


def test_an_adapter_that_stops_reading_its_stdin_times_out_without_blocking_the_harness(adapter) -> None:
    vms = tuple(f"VM {n:05}" for n in range(20_000))  # about 0.2 MB of JSON: several times a pipe's buffer
    scenario = Scenario(Job("A large job", vms, ChainFormat.PER_MACHINE), (SessionPlan(),))
    target = adapter("stops_reading_stdin", timeout=1)
    target.start()
    errors: list[TargetError] = []
    began = time.monotonic()
    worker = threading.Thread(target=lambda: errors.append(raised(lambda: target.run(scenario))), daemon=True)
    worker.start()
    worker.join(10)
    took = time.monotonic() - began
    assert not worker.is_alive(), "the harness blocked writing to an adapter that stopped reading"
    assert errors[0].kind is ErrorKind.TIMEOUT
    assert "no answer to run #1 within 1 s" in str(errors[0])
    assert 0.9 < took < 3, took


def test_non_json_on_stdout_is_a_protocol_violation_quoting_it(adapter) -> None:
    target = adapter("prints_garbage_on_stdout", timeout=5)
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.PROTOCOL
    assert "not JSON" in str(error)
    assert "'DEBUG planner: 2 VMs, retry on'" in str(error)
    assert target.restarts == 1


def test_a_schema_invalid_trace_is_a_protocol_violation_at_its_json_path(adapter) -> None:
    target = adapter("answers_invalid_trace", timeout=5)
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.PROTOCOL
    assert "$.trace.sessions[0].status" in str(error)
    assert "'succeeded'" in str(error)


def test_a_wrong_sequence_number_is_a_protocol_violation_naming_both(adapter) -> None:
    target = adapter("answers_wrong_seq", timeout=5)
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.PROTOCOL
    assert "answered run #1 with sequence number 2" in str(error)
    assert target.restarts == 1


def test_an_unsupported_protocol_version_fails_every_scenario_from_one_start(adapter, notes) -> None:
    target = adapter("speaks_protocol_2", timeout=5)
    for _ in range(3):
        error = raised(lambda: target.run(SCENARIO))
        assert error.kind is ErrorKind.HANDSHAKE
        assert "protocol version 2.0" in str(error)
        assert "1.x" in str(error)
    assert len(notes.pids()) == 1, "restarted an adapter that can never speak this protocol"
    assert target.restarts == 0
    assert not running(notes.pids())


def test_a_flood_on_stderr_is_no_error_and_does_not_block(adapter) -> None:
    target = adapter("floods_stderr", timeout=5)
    began = time.monotonic()
    for _ in range(3):
        assert target.run(SCENARIO) == EXPECTED
    assert time.monotonic() - began < 5
    assert target.restarts == 0


def test_an_answer_over_the_size_limit_is_a_protocol_violation(adapter, notes) -> None:
    target = adapter("answers_huge_message", timeout=5, max_message_bytes=1024 * 1024)
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.PROTOCOL
    assert "larger than the 1048576 bytes" in str(error)
    assert target.restarts == 1
    assert not running(notes.pids())


def test_no_grandchild_survives_a_timeout(adapter, notes) -> None:
    target = adapter("spawns_grandchild_and_hangs", timeout=1)
    target.start()
    assert len(running(notes.pids())) == 2
    assert raised(lambda: target.run(SCENARIO)).kind is ErrorKind.TIMEOUT
    assert not still_running_after(notes.pids())


def test_no_grandchild_survives_close(adapter, notes) -> None:
    target = adapter("spawns_grandchild_and_hangs", timeout=5)
    target.start()
    [grandchild] = notes.pids("grandchild")
    assert running([grandchild])
    began = time.monotonic()
    target.close()
    assert time.monotonic() - began < 2, "the adapter answered shutdown: no need to wait the grace period"
    assert not still_running_after(notes.pids())


def test_close_leaves_no_process_of_a_well_behaved_adapter() -> None:
    target = AdapterTarget([sys.executable, str(ROOT / "adapters" / "reference_adapter.py")], timeout=5)
    try:
        assert target.run(SCENARIO) == EXPECTED
        [child] = [
            pid
            for pid, (_, parent, _) in _processes().items()
            if parent == os.getpid() and b"reference_adapter.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        began = time.monotonic()
    finally:
        target.close()
    assert time.monotonic() - began < 2
    assert not running([child])


def test_close_ends_an_adapter_that_ignores_shutdown_within_seconds(adapter, notes) -> None:
    target = adapter("ignores_shutdown", timeout=5)
    assert target.run(SCENARIO) == EXPECTED
    began = time.monotonic()
    target.close()
    assert time.monotonic() - began < 6
    assert not running(notes.pids())


def test_skipped_is_target_skipped_with_the_reason(adapter, notes) -> None:
    target = adapter("answers_skipped", timeout=5)
    for _ in range(2):
        with pytest.raises(TargetSkipped) as caught:
            target.run(SCENARIO)
        assert str(caught.value) == "answers_skipped: this scheduler only runs tape jobs"
    assert target.restarts == 0
    assert len(notes.pids()) == 1


def test_error_is_a_reported_error_with_the_message(adapter, notes) -> None:
    target = adapter("answers_error", timeout=5)
    for _ in range(2):
        error = raised(lambda: target.run(SCENARIO))
        assert error.kind is ErrorKind.REPORTED
        assert "answers_error reported: ConnectionError: backup repository unreachable" in str(error)
    assert target.restarts == 0
    assert len(notes.pids()) == 1


def test_an_adapter_that_closes_stdout_and_lives_on_is_a_crash_within_the_timeout(adapter, notes) -> None:
    target = adapter("closes_stdout_and_lives_on", timeout=1)
    began = time.monotonic()
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.CRASH
    assert "closed its stdout while still running before answering run #1" in str(error)
    assert time.monotonic() - began < 3
    assert target.restarts == 1
    assert not running(notes.pids())


def test_a_crash_is_a_crash_while_a_grandchild_holds_stdout(adapter, notes) -> None:
    target = adapter("crashes_leaving_grandchild", timeout=5)
    began = time.monotonic()
    error = raised(lambda: target.run(SCENARIO))
    assert error.kind is ErrorKind.CRASH
    assert "exited (status 70) before answering run #1" in str(error)
    assert time.monotonic() - began < 2, "noticed the exit only when the timeout ran out"
    assert target.restarts == 1


# -- found while writing these tests: once harness bugs, now fixed -------------------------------------


def test_a_daemon_holding_the_pipes_does_not_block_the_harness(adapter) -> None:
    target = adapter("spawns_daemon_and_hangs", timeout=1)
    began = time.monotonic()
    assert raised(lambda: target.run(SCENARIO)).kind is ErrorKind.TIMEOUT
    assert time.monotonic() - began < 3, "blocked until the daemon exited"


def test_a_setsid_daemon_holding_the_adapters_stdout_is_ended_with_it(adapter, notes) -> None:
    """The daemon left the adapter's process group, but it still holds the adapter's pipe: the kit finds it
    by that pipe and ends it (the fixture then checks that no noted process, the daemon included, runs)."""
    target = adapter("spawns_daemon_holding_stdout", timeout=1)
    assert raised(lambda: target.run(SCENARIO)).kind is ErrorKind.TIMEOUT
    target.close()
    daemons = {int(p.name) for p in notes.folder.iterdir() if p.read_text() == "daemon"}
    assert daemons and not still_running_after(daemons)


def test_escape_sequences_from_an_adapter_never_reach_the_terminal_raw(adapter) -> None:
    target = adapter("answers_with_escape_sequences", timeout=5)
    for kind in (ErrorKind.REPORTED, ErrorKind.CRASH):
        error = raised(lambda: target.run(SCENARIO))
        assert error.kind is kind
        assert "\x1b" not in str(error) and "\x07" not in str(error), repr(str(error))
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in str(error)


def test_the_stderr_tail_of_a_crash_holds_the_last_words(adapter) -> None:
    """60 crashes, each leaving 1 MiB of log and then its last words unread in its stderr pipe."""
    messages = []
    for _ in range(60):
        target = adapter("crashes_after_stderr_burst", timeout=5)
        error = raised(lambda: target.run(SCENARIO))  # noqa: B023  (called at once)
        assert error.kind is ErrorKind.CRASH
        messages.append(str(error))
    missing = [m for m in messages if "internal error in the retry planner" not in m]
    assert not missing, f"{len(missing)} of 60 crashes lost the last words, e.g. {missing[0]!r}"


# -- behind pytest features, end to end -------------------------------------------------------------------

FEATURE_RUNS = {"crashes_on_second_run": 2.0, "hangs_on_run": 0.5, "lacks_single_file": 2.0}
FEATURE_RUN_LIMIT = 120.0


class FeatureRun:
    """``pytest features`` against one adapter in a child process, started at once and awaited later."""

    def __init__(self, adapter: str, timeout: float, folder: Path) -> None:
        self.adapter = adapter
        self.notes = Notes(folder / "pids")
        self.report = folder / "report"
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
        env[PIDS_VARIABLE] = str(self.notes.folder)
        args = [
            *(sys.executable, "-m", "pytest", "features", "-p", "no:cacheprovider", "-q", "--tb=line"),
            *("--adapter", shlex.join(command(adapter)), "--adapter-timeout", str(timeout)),
            *("--report-dir", str(self.report)),
        ]
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.started = time.monotonic()
        self.output = ""
        self.took = 0.0
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        self.output = self.process.communicate()[0]
        self.took = time.monotonic() - self.started

    def finish(self) -> FeatureRun:
        self._waiter.join(timeout=max(0.0, FEATURE_RUN_LIMIT - (time.monotonic() - self.started)))
        if self._waiter.is_alive():
            self.stop()
            pytest.fail(f"pytest features against {self.adapter} still ran after {FEATURE_RUN_LIMIT:g} s")
        return self

    def json(self) -> dict:
        return json.loads((self.report / "report.json").read_text(encoding="utf-8"))

    def stop(self) -> None:
        """End the run and everything it started, whatever state a failed test left it in."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        kill(running(self.notes.pids()))


@pytest.fixture(scope="module")
def feature_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FeatureRun]]:
    runs = {
        name: FeatureRun(name, timeout, tmp_path_factory.mktemp(name))
        for name, timeout in FEATURE_RUNS.items()
    }
    yield runs
    for run in runs.values():
        run.stop()


@pytest.fixture(scope="module", autouse=True)
def start_feature_runs_first(request: pytest.FixtureRequest) -> None:
    """The hanging adapter's run is ~30 s of waiting (one timeout per scenario): start the feature runs
    before this module's first test, so they overlap with the others, if a selected test needs them."""
    if any("feature_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("feature_runs")


OTHER_READING = "not applicable: written for reading"
"""Scenarios written for another alternative of a reading than the kit's default never reach the adapter."""


def test_features_against_a_crashing_adapter_end_with_errors_a_report_and_no_process(feature_runs) -> None:
    run = feature_runs["crashes_on_second_run"].finish()
    assert run.process.returncode == pytest.ExitCode.TESTS_FAILED, run.output[-3000:]
    assert "TargetError: crash: the adapter exited (status 70)" in run.output
    assert "internal error in the retry planner" in run.output
    assert (run.report / "report.md").is_file()
    scenarios = [s for s in run.json()["scenarios"] if not s["reason"].startswith(OTHER_READING)]
    errors = [s for s in scenarios if s["verdict"] == "error"]
    assert {s["error_kind"] for s in errors} == {"crash"}
    assert len(errors) == len(scenarios) // 2, "every second run of each process crashes, the others pass"
    assert {s["verdict"] for s in scenarios} == {"passed", "error"}
    assert len(run.notes.pids()) == math.ceil(len(scenarios) / 2), "one process for every two scenarios"
    assert not running(run.notes.pids())


def test_features_against_a_hanging_adapter_stop_early_after_three_timeouts(feature_runs) -> None:
    """Three timeouts in a row (the default --max-adapter-failures) and the adapter counts as unresponsive:
    the rest is not run, and the report says why."""
    run = feature_runs["hangs_on_run"].finish()
    assert run.process.returncode != pytest.ExitCode.OK, run.output[-3000:]
    assert "TargetError: timeout: no answer to run #" in run.output
    report = run.json()
    scenarios = report["scenarios"]
    assert [s["error_kind"] for s in scenarios] == ["timeout"] * 3
    assert report["conforms"] == "not established" and report["end_of_report"]["complete"] is False
    assert "unresponsive: 3 crashes or timeouts in a row" in report["implementation"]["stopped"]
    assert any(re.search(r"stopped early, 3 of \d+ scenarios", reason) for reason in report["reasons"])
    assert 3 * 0.5 < run.took < 30, run.took
    assert not running(run.notes.pids())


def test_features_skip_what_an_adapter_does_not_declare_and_pass_the_rest(feature_runs) -> None:
    run = feature_runs["lacks_single_file"].finish()
    assert run.process.returncode == pytest.ExitCode.OK, run.output[-3000:]
    scenarios = [s for s in run.json()["scenarios"] if not s["reason"].startswith(OTHER_READING)]
    single_file = [s for s in scenarios if s["scenario"]["job"]["chain_format"] == "single_file"]
    assert single_file
    for s in single_file:
        assert s["verdict"] == "not applicable"
        assert s["reason"] == "not applicable: lacks_single_file does not declare chain:single_file"
        assert s["missing_capabilities"] == ["chain:single_file"]
    assert {s["verdict"] for s in scenarios if s not in single_file} == {"passed"}
    assert run.json()["conforms"] == "yes"
    assert any("chain:single_file" in reason for reason in run.json()["reasons"])
    assert not running(run.notes.pids())
