"""The report set (issue 12, rows 2, 4, 6 and 7): report.json, report.md and report.html are written as one
set carrying one run id, whatever strings an adapter sent; a run ended by SIGTERM or SIGHUP writes its
partial report and leaves no adapter behind; two runs never mix their reports in one folder; a report
folder that cannot take the report is refused before the first scenario.

End-to-end runs are child ``pytest features`` processes in the checkout, reporting into a temporary folder;
the adapters they drive are small scripts written into that folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT
from report_fixtures.runs import collected_scenarios, environment, run_features

from retrykit import report_set
from retrykit.catalogue import load_catalogue
from retrykit.report import Implementation, ReportError, build_report, load_report, report_json_text
from retrykit.report_set import (
    FORMS,
    JOURNAL,
    LOCK,
    FolderLock,
    ReportFolderError,
    default_folder,
    marked_run_id,
    new_run_id,
    usable_folder,
    write_report_set,
)
from retrykit.results import ScenarioResult, Verdict

CATALOGUE = load_catalogue()
SURROGATE = "\ud800"
RUN_LIMIT = 120.0


def _report(name: str = "impl", run_id: str | None = None, *, complete: bool = True) -> dict[str, Any]:
    result = ScenarioResult(
        "features/x.py::test_x", "x.feature", "x", ("JR.COUNT.DEFAULT",), False, Verdict.PASSED
    )
    return build_report(
        [result],
        CATALOGUE,
        Implementation(name, "1", "", ""),
        generated="2026-01-01T00:00:00+00:00",
        complete=complete,
        run_id=run_id or new_run_id(),
    )


def run_ids(folder: Path) -> dict[str, str | None]:
    """Each form's run id, as it is on disk."""
    ids: dict[str, str | None] = {}
    for name in FORMS:
        path = folder / name
        if not path.exists():
            ids[name] = None
        elif name == "report.json":
            ids[name] = json.loads(path.read_text(encoding="utf-8")).get("run_id")
        else:
            ids[name] = marked_run_id(path)
    return ids


def whole_set(folder: Path, *, after_a_kill: bool = False) -> str:
    """The run id of the one whole set the folder holds: every form, one id, and nothing else lying about.
    ``after_a_kill``: a writer was killed; the next writer, which recover() stands in for here, removes
    what it left (hidden temporary files)."""
    ids = set(run_ids(folder).values())
    assert len(ids) == 1 and None not in ids, f"not one whole set: {run_ids(folder)}"
    if after_a_kill:
        lock = report_set.lock_folder(folder)
        try:
            report_set.recover(folder)
        finally:
            lock.release()
        assert set(run_ids(folder).values()) == ids, "clearing up changed the set"
    extra = sorted(p.name for p in folder.iterdir() if p.name not in FORMS)
    assert extra == [], f"left behind: {extra}"
    report = load_report(folder / "report.json", require_complete=False)
    assert report["run_id"] in ids
    return str(report["run_id"])


# -- process helpers (from /proc) ---------------------------------------------------------------------------


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` that still run (a zombie has ended)."""
    alive = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            alive.add(pid)
    return alive


def still_running_after(pids: set[int], seconds: float = 3.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while (left := running(pids)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def kill(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


# -- adapters written for these tests ------------------------------------------------------------------------

_ADAPTER_HEAD = f"""
import os, signal, sys, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from retrykit.reference import engine
from retrykit.codec import scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.serve import serve
"""

SURROGATE_ADAPTER = _ADAPTER_HEAD + textwrap.dedent(
    """
    def mark(value):
        if isinstance(value, dict):
            return {k: v + "\\ud800" if k == "id" else mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    def run(scenario):
        if scenario["job"]["chain_format"] == "per_machine" and len(scenario["sessions"]) == 1:
            raise RuntimeError("a message with a lone surrogate: \\ud800")
        return mark(trace_to_json(engine.run(scenario_from_json(scenario))))

    sys.exit(serve(run, name="sur\\ud800rogate", version="1\\udfff", capabilities=ALL_CAPABILITIES))
    """
)
"""Answers like the reference engine, but its name, version and every file id hold a lone surrogate, and its
error message on single-session per-machine scenarios does too."""

SLOW_ADAPTER = _ADAPTER_HEAD + textwrap.dedent(
    """
    notes = Path(os.environ["REPORT_SET_NOTES"])
    (notes / f"pid-{os.getpid()}").write_text("adapter")
    count = 0

    def run(scenario):
        global count
        count += 1
        (notes / f"run-{os.getpid()}-{count}").write_text("")
        if count == int(os.environ.get("STOP_AT", "0")):
            (notes / f"stopped-{os.getpid()}").write_text("")
            os.kill(os.getpid(), signal.SIGSTOP)
        if count == int(os.environ.get("WAIT_AT", "0")):
            (notes / f"waiting-{os.getpid()}").write_text("")
            while not (notes / "go").exists():
                time.sleep(0.01)
        time.sleep(float(os.environ.get("DELAY", "0.05")))
        return trace_to_json(engine.run(scenario_from_json(scenario)))

    sys.exit(serve(run, name="slow", version="1", capabilities=ALL_CAPABILITIES))
    """
)
"""Answers like the reference engine, slowly, noting its pid and every run; at run STOP_AT it stops itself
(SIGSTOP), as a wedged product would; at run WAIT_AT it waits until the test lets it go on."""


def adapter_command(folder: Path, name: str, source: str) -> str:
    script = folder / f"{name}.py"
    script.write_text(source, encoding="utf-8")
    return shlex.join([sys.executable, str(script)])


class FeatureRun:
    """``pytest features`` in a child process (a session of its own), started now and awaited later."""

    def __init__(self, folder: Path, *args: str, **env: str) -> None:
        self.report = folder / "report"
        self.notes = folder / "notes"
        self.notes.mkdir(exist_ok=True)
        command = [
            *(sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider"),
            *("--report-dir", str(self.report), *args),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment() | {"REPORT_SET_NOTES": str(self.notes)} | env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stdout = self.stderr = ""

    def noted(self, prefix: str) -> list[str]:
        return [p.name for p in self.notes.iterdir() if p.name.startswith(prefix)]

    def adapters(self) -> set[int]:
        return {int(name.removeprefix("pid-")) for name in self.noted("pid-")}

    def wait_until(self, condition: Any, what: str, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the run ended before {what}: {self.process.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {limit:g} s")
            time.sleep(0.02)

    def finish(self) -> int:
        try:
            self.stdout, self.stderr = self.process.communicate(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"pytest features still ran after {RUN_LIMIT:g} s")
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()
        kill(running(self.adapters()))


@pytest.fixture
def feature_runs() -> Iterator[list[FeatureRun]]:
    runs: list[FeatureRun] = []
    yield runs
    for run in runs:
        run.stop()


# -- row 2: any string is stored and shown safely ------------------------------------------------------------


def test_a_lone_surrogate_is_kept_as_a_json_escape_and_the_text_is_always_utf8() -> None:
    report = _report(f"name {SURROGATE} and \udfff")
    text = report_json_text(report)
    text.encode("utf-8")  # no UnicodeEncodeError
    assert "\\ud800" in text and "\\udfff" in text
    assert json.loads(text) == report


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "two-workers"])
def test_a_lone_surrogate_from_an_adapter_reaches_every_form_of_one_new_set(
    tmp_path: Path, workers: list[str]
) -> None:
    """Before: UnicodeEncodeError writing report.json, which stayed from the previous run beside a new
    report.md; with -n 2 an INTERNALERROR (execnet cannot send the string) and no report at all."""
    folder = tmp_path / "report"
    write_report_set(folder, _report("the previous run"))
    previous = whole_set(folder)
    run = run_features(
        folder, "--adapter", adapter_command(tmp_path, "surrogate", SURROGATE_ADAPTER), *workers
    )
    everything = run.stdout + run.stderr
    assert "INTERNALERROR" not in everything and "Traceback" not in everything, everything[-3000:]
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, everything[-3000:]
    assert whole_set(folder) != previous
    report = load_report(folder / "report.json")
    assert report["implementation"]["name"] == f"sur{SURROGATE}rogate", "kept exactly as the adapter sent it"
    assert report["end_of_report"] == {"complete": True, "scenarios": collected_scenarios()}
    file_ids = [f["id"] for s in report["scenarios"] if s["trace"] for f in s["trace"]["files"]]
    assert file_ids and all(i.endswith(SURROGATE) for i in file_ids)
    errors = [s for s in report["scenarios"] if s["verdict"] == "error"]
    assert errors and all("lone surrogate: \\ud800" in s["reason"] for s in errors), "shown escaped"
    for name in ("report.md", "report.html"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "surrogate" in text and SURROGATE not in text


# -- the set is written as one -------------------------------------------------------------------------------


def test_each_form_carries_the_run_id_and_a_reader_refuses_a_mixed_set(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_report_set(first, _report("a"))
    write_report_set(second, _report("b"))
    run_id = whole_set(first)
    assert (first / "report.md").read_text(encoding="utf-8").endswith(f"<!-- retrykit run id: {run_id} -->\n")
    assert (
        (first / "report.html").read_text(encoding="utf-8").endswith(f"<!-- retrykit run id: {run_id} -->\n")
    )
    for name in ("report.md", "report.html"):
        mixed = tmp_path / f"mixed-{name}"
        mixed.mkdir()
        for form in FORMS:
            (mixed / form).write_bytes(((second if form == name else first) / form).read_bytes())
        with pytest.raises(ReportError, match=f"{name} beside it comes from another run"):
            load_report(mixed / "report.json")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "report.json").write_bytes((first / "report.json").read_bytes())
    assert load_report(alone / "report.json")["run_id"] == run_id, "a report.json on its own is read"


def test_a_renderer_that_fails_leaves_the_old_set_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "report"
    write_report_set(folder, _report("old"))
    old = whole_set(folder)

    def broken(report: dict[str, Any]) -> str:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(report_set, "render_html", broken)
    with pytest.raises(RuntimeError, match="the renderer broke"):
        write_report_set(folder, _report("new"))
    assert whole_set(folder) == old


@pytest.mark.parametrize("failing", FORMS)
@pytest.mark.parametrize("before", [True, False], ids=["over-an-old-set", "into-an-empty-folder"])
def test_a_rename_that_fails_puts_the_old_set_back(tmp_path: Path, failing: str, before: bool) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    if before:
        write_report_set(folder, _report("old"))
    old = run_ids(folder)

    def interrupt(name: str) -> None:
        if name == failing:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_report_set(folder, _report("new"), between=interrupt)
    assert run_ids(folder) == old
    assert sorted(p.name for p in folder.iterdir()) == (sorted(FORMS) if before else [])


def test_a_signal_during_the_renames_waits_until_the_set_is_whole(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    write_report_set(folder, _report("old"))

    class Ended(Exception):
        pass

    def end(signum: int, frame: object) -> None:
        raise Ended

    previous = signal.signal(signal.SIGTERM, end)
    try:
        new = _report("new")
        with pytest.raises(Ended):
            write_report_set(folder, new, between=lambda name: os.kill(os.getpid(), signal.SIGTERM))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert whole_set(folder) == new["run_id"]


_WRITER = f"""
import os, signal, sys, uuid
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from retrykit.catalogue import load_catalogue
from retrykit.report import Implementation, build_report
from retrykit.report_set import write_report_set

def report(run_id):
    return build_report(
        [], load_catalogue(), Implementation("new", "1", "", ""), generated="2026-01-01T00:00:00+00:00",
        complete=True, run_id=run_id,
    )

folder, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "kill-before-second":
    def between(name):
        if name == "report.md":
            os.kill(os.getpid(), signal.SIGKILL)
    write_report_set(folder, report(sys.argv[3]), between=between)
else:
    write_report_set(folder, report(str(uuid.uuid4())))
    print("ready", flush=True)  # one set written: rendering is warmed up, the next ones come fast
    while True:
        write_report_set(folder, report(str(uuid.uuid4())))
"""
"""Writes report sets into a folder: one, killed between its first and second rename, or one after another
until it is ended."""


def _writer(folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(folder), *args],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_writer_killed_between_two_renames_leaves_a_journal_the_next_reader_completes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "report"
    write_report_set(folder, _report("old"))
    old = whole_set(folder)
    new = new_run_id()
    writer = _writer(folder, "kill-before-second", new)
    assert writer.wait(timeout=60) == -signal.SIGKILL
    assert run_ids(folder) == {"report.json": new, "report.md": old, "report.html": old}, "cut mid-swap"
    assert (folder / JOURNAL).exists()
    assert load_report(folder / "report.json")["run_id"] == new
    assert whole_set(folder) == new


def test_a_writer_killed_at_any_moment_leaves_the_old_set_or_the_new_one_whole(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    write_report_set(folder, _report("old"))
    seen = {whole_set(folder)}
    for trial in range(8):
        writer = _writer(folder, "loop")
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        time.sleep(0.05 + 0.037 * trial)  # a few sets written, and the kill lands somewhere in one
        writer.kill()
        writer.wait(timeout=30)
        report = load_report(folder / "report.json")
        run_id = whole_set(folder, after_a_kill=True)
        assert report["run_id"] == run_id
        seen.add(run_id)
    assert len(seen) > 1, "the writer never replaced the set"


# -- row 4: SIGTERM and SIGHUP end the run as SIGINT does ----------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "workers"),
    [(signal.SIGTERM, []), (signal.SIGHUP, []), (signal.SIGTERM, ["-n", "2"])],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-two-workers"],
)
def test_a_signal_halfway_writes_a_partial_report_and_ends_every_adapter(
    tmp_path: Path, feature_runs: list[FeatureRun], signum: int, workers: list[str]
) -> None:
    """Before: no report at all, and an adapter that had stopped itself (SIGSTOP) was left running. The
    signal goes to the pytest process only (a `kill PID`), not to its process group."""
    adapter = adapter_command(tmp_path, "slow", SLOW_ADAPTER)
    run = FeatureRun(tmp_path, "--adapter", adapter, *workers, STOP_AT="6")
    feature_runs.append(run)
    expected = 2 if workers else 1
    run.wait_until(lambda: len(run.noted("stopped-")) >= expected, "adapter stopped itself")
    assert len(run.noted("run-")) < collected_scenarios(), "not halfway"
    os.kill(run.process.pid, signum)
    assert run.finish() == pytest.ExitCode.INTERRUPTED, run.stdout[-3000:] + run.stderr[-3000:]
    assert "INTERNALERROR" not in run.stdout + run.stderr
    report = load_report(run.report / "report.json", require_complete=False)
    assert report["end_of_report"]["complete"] is False
    assert 0 < report["end_of_report"]["scenarios"] < collected_scenarios()
    assert report["conforms"] == "not established"
    assert any("interrupted" in reason for reason in report["reasons"])
    assert f"of {collected_scenarios()} scenarios" in " ".join(report["reasons"])
    assert "**Partial report**" in (run.report / "report.md").read_text(encoding="utf-8")
    whole_set(run.report)
    assert len(run.adapters()) >= expected
    left = still_running_after(run.adapters())
    assert not left, f"adapter processes left running: {sorted(left)}"


# -- row 6: two runs into one folder -------------------------------------------------------------------------


def test_a_second_run_into_a_folder_in_use_is_refused_in_one_line_and_the_first_one_writes_its_set(
    tmp_path: Path, feature_runs: list[FeatureRun]
) -> None:
    """Before: in 2 of 20 trials report.json and report.md came from different runs."""
    adapter = adapter_command(tmp_path, "slow", SLOW_ADAPTER)
    first = FeatureRun(tmp_path, "--adapter", adapter, "--adapter-timeout", "100", WAIT_AT="3")
    feature_runs.append(first)
    first.wait_until(lambda: first.noted("waiting-"), "the first run halfway")
    assert (first.report / LOCK).read_text(encoding="ascii").strip() == str(first.process.pid)
    second = run_features(first.report, "--adapter", adapter)
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert second.returncode == pytest.ExitCode.USAGE_ERROR, second.stdout + second.stderr
    assert lines == [
        f"ERROR: --report-dir: {first.report}: another run (pid {first.process.pid}) is writing its report "
        "there; wait for it to end or choose another --report-dir"
    ]
    assert "passed" not in second.stdout, "the second run ran scenarios"
    (first.notes / "go").write_text("")
    assert first.finish() == pytest.ExitCode.OK, first.stdout[-3000:]
    report = load_report(first.report / "report.json")
    assert whole_set(first.report) == report["run_id"]
    assert not (first.report / LOCK).exists(), "the lock file is removed with the lock"


def test_the_lock_is_exclusive_and_its_file_goes_with_it(tmp_path: Path) -> None:
    one, two = FolderLock(tmp_path), FolderLock(tmp_path)
    assert one.acquire()
    assert not two.acquire(wait=0.1)
    assert two.holder() == str(os.getpid())
    with pytest.raises(ReportFolderError, match=rf"another run \(pid {os.getpid()}\) is writing"):
        report_set.lock_folder(tmp_path)
    one.release()
    assert not (tmp_path / LOCK).exists()
    assert two.acquire()
    two.release()


def test_writers_at_once_into_one_folder_leave_one_whole_set(tmp_path: Path) -> None:
    """Sets written without a held lock take the folder's lock for the write: never a mixed set."""
    folder = tmp_path / "report"
    write_report_set(folder, _report("old"))
    writers = [_writer(folder, "loop") for _ in range(3)]
    try:
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        time.sleep(1.0)
    finally:
        for writer in writers:
            writer.terminate()
            writer.wait(timeout=30)
    load_report(folder / "report.json")
    whole_set(folder, after_a_kill=True)


# -- row 7: a report folder that cannot take the report ------------------------------------------------------


def _unusable(tmp_path: Path, kind: str) -> Path:
    if kind == "a file":
        (tmp_path / "taken").write_text("x", encoding="utf-8")
        return tmp_path / "taken"
    if kind == "under a file":
        (tmp_path / "taken").write_text("x", encoding="utf-8")
        return tmp_path / "taken" / "report"
    if kind == "a dangling symlink":
        (tmp_path / "link").symlink_to(tmp_path / "gone")
        return tmp_path / "link"
    folder = tmp_path / "report"
    (folder / "report.json").mkdir(parents=True)
    return folder


UNUSABLE = {
    "a file": "is a file, not a folder",
    "under a file": "cannot be a folder: {tmp}/taken is a file",
    "a dangling symlink": "is a symbolic link to {tmp}/gone, which does not exist",
    "report.json a folder": "report.json is a folder; the report file cannot take its place",
}


@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_report_dir_is_refused_in_one_line_before_the_first_scenario(
    tmp_path: Path, kind: str
) -> None:
    """Before: every scenario ran, then a traceback, no report, exit 1 even when all passed."""
    folder = _unusable(tmp_path, kind)
    began = time.monotonic()
    run = run_features(folder)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: --report-dir: {folder}"), lines
    assert UNUSABLE[kind].format(tmp=tmp_path) in lines[0]
    assert "Traceback" not in run.stdout + run.stderr and "passed" not in run.stdout
    assert time.monotonic() - began < 30


def test_a_folder_that_cannot_be_written_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(folder: Path) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(report_set, "_probe", refused)
    with pytest.raises(ReportFolderError, match="is not writable: Permission denied"):
        usable_folder(tmp_path / "report")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_report_dir_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        run = run_features(folder)
    finally:
        folder.chmod(0o755)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert run.stderr.strip() == f"ERROR: --report-dir: {folder} is not writable: Permission denied"


@pytest.mark.parametrize(
    ("name", "command", "traces", "folder"),
    [
        ("reference", "", "", "reference"),
        ("reference", "python adapter.py", "", "reference+adapter"),
        ("Reference", "python adapter.py", "", "Reference+adapter"),
        ("reference", "", "/lab/traces", "reference+traces"),
        ("exhaust", "python adapter.py", "", "exhaust+adapter"),
        ("mutation", "python adapter.py", "", "mutation+adapter"),
        ("matrix", "python adapter.py", "", "matrix+adapter"),
        ("README.md", "python adapter.py", "", "README.md+adapter"),
        ("acme", "python adapter.py", "", "acme"),
        ("older", "python adapter.py", "", "older"),
        ("a-link", "python adapter.py", "", "a-link+adapter"),
    ],
)
def test_a_default_folder_never_takes_the_place_of_another(
    tmp_path: Path, name: str, command: str, traces: str, folder: str
) -> None:
    """Before: an adapter named README.md ended in FileExistsError after the run; one named reference
    overwrote the reference engine's reports."""
    reports = tmp_path / "reports"
    (reports / "reference").mkdir(parents=True)
    (reports / "older").mkdir()
    (reports / "README.md").write_text("the folder's readme", encoding="utf-8")
    (reports / "a-link").symlink_to(tmp_path)
    assert default_folder(reports, Implementation(name, "1", "", command, traces=traces)) == reports / folder


@pytest.mark.parametrize("name", ["../features", "/etc", "..", "", "a/b", "x\n[[known_failure]]"])
def test_a_default_folder_is_one_safe_name_under_reports(tmp_path: Path, name: str) -> None:
    folder = default_folder(tmp_path, Implementation(name, "1", "", "python adapter.py"))
    assert folder.parent == tmp_path
    assert folder.name not in ("", ".", "..") and "/" not in folder.name and "\n" not in folder.name
