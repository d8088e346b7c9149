"""retry-kit check-adapter: a correct adapter passes every check; each broken one fails on the check its
defect belongs to, with the fix beneath it; nothing it starts outlives the check."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.cli import main

BROKEN = ROOT / "tests" / "broken_adapters"
PIDS_VARIABLE = "BROKEN_ADAPTER_PIDS"  # the same name as in broken_adapters/_shared.py
TRIVIAL, FAILURE = "a run where nothing fails", "a run where VM 2 fails the initial run"
TIMEOUT = ("a run where nothing fails", "timeout: no answer to run #1 within 1 s")

FAILS_ON: dict[str, tuple[str, str] | None] = {
    "answers_error": (TRIVIAL, "reported error: answers_error reported: ConnectionError"),
    "answers_huge_message": (TRIVIAL, "offending field: $.trace"),
    "answers_invalid_trace": (TRIVIAL, "offending field: $.trace.sessions[0].status"),
    "answers_skipped": (TRIVIAL, "answered skipped"),
    "answers_with_escape_sequences": (TRIVIAL, r"repository said \x1b]0;pwned\x07"),
    "answers_wrong_seq": (TRIVIAL, "answered run #1 with sequence number 2"),
    "closes_stdout_and_lives_on": (TRIVIAL, "closed its stdout"),
    "crashes_after_stderr_burst": (TRIVIAL, "internal error in the retry planner, aborting"),
    "crashes_leaving_grandchild": (TRIVIAL, "exited (status 70)"),
    "crashes_on_second_run": (FAILURE, "exited (status 70)"),
    "exits_at_start": ("handshake", "cannot read the licence file"),
    "floods_stderr": None,
    "hangs_on_run": TIMEOUT,
    "ignores_shutdown": ("shutdown", "did not exit and was ended by the kit"),
    "lacks_single_file": None,
    "prints_garbage_on_stdout": (TRIVIAL, "printed a line that is not JSON"),
    "spawns_daemon_and_hangs": TIMEOUT,
    "spawns_daemon_holding_stdout": TIMEOUT,
    "spawns_grandchild_and_hangs": TIMEOUT,
    "speaks_protocol_2": ("handshake", "announces protocol version 2.0"),
    "stops_reading_stdin": TIMEOUT,
}


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


@pytest.fixture(autouse=True)
def nothing_outlives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setenv(PIDS_VARIABLE, str(folder))
    yield
    pids = [int(note.name) for note in folder.iterdir()]
    deadline = time.monotonic() + 3.0
    while (left := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived check-adapter: {left}"


def check(capsys: pytest.CaptureFixture[str], *command: str) -> tuple[int, str]:
    status = main(["check-adapter", "--adapter-timeout", "1", shlex.join([sys.executable, *command])])
    return status, capsys.readouterr().out


def failures(output: str) -> list[str]:
    """Each failed check: its line and the fix lines beneath it."""
    blocks: list[str] = []
    for line in output.splitlines():
        if line.startswith("[FAIL]"):
            blocks.append(line)
        elif line.startswith("       ") and blocks:
            blocks[-1] += "\n" + line
    return blocks


def test_the_reference_adapter_passes_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = check(capsys, str(ROOT / "adapters" / "reference_adapter.py"))
    assert status == 0, output
    assert [line[:6] for line in output.splitlines()[1:-1]] == ["[ ok ]"] * 4
    assert output.splitlines()[-1] == "all 4 checks passed"


def test_a_mutant_that_never_retries_fails_the_run_with_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = check(capsys, str(ROOT / "adapters" / "mutants.py"), "no-retry")
    assert status == 1
    [block] = failures(output)
    assert block.startswith(f"[FAIL] {FAILURE} (")
    assert "[JR.RETRY.AUTOMATIC]" in block and "expected sessions:" in block and "observed sessions:" in block


def test_every_broken_adapter_has_an_expectation() -> None:
    assert sorted(FAILS_ON) == sorted(p.stem for p in BROKEN.glob("*.py") if p.stem != "_shared")


@pytest.mark.parametrize("name", sorted(FAILS_ON))
def test_a_broken_adapter_fails_the_check_its_defect_belongs_to(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output = check(capsys, str(BROKEN / f"{name}.py"))
    expected = FAILS_ON[name]
    if expected is None:
        assert (status, failures(output)) == (0, []), output
        return
    title, text = expected
    assert status == 1
    first = failures(output)[0]
    assert first.startswith(f"[FAIL] {title} ("), output
    assert text in first, output
    assert "\x1b" not in output


def test_the_fix_names_the_offending_field_and_the_time_taken(capsys: pytest.CaptureFixture[str]) -> None:
    _, output = check(capsys, str(BROKEN / "answers_invalid_trace.py"))
    first = failures(output)[0]
    assert re.match(rf"\[FAIL\] {TRIVIAL} \(\d+\.\d\d s\): protocol violation: ", first)
    assert "schemas/trace.schema.json" in first


def test_a_command_that_names_no_program_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-adapter", "no-such-program-anywhere --flag"]) == 2
    assert "cannot find the program" in capsys.readouterr().err
