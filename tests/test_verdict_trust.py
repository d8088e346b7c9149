"""Can the headline be trusted? Adapters built to fool the grading, run through the real kit.

- An adapter that takes every freedom the page leaves must still conform.
- A shipped mutant that hides behind 'skipped' wherever it would be caught must never conform.
- A hello with one defect must stop the run as a handshake error that says what was wrong.
- Lines nobody asked for, a second answer, absurd nesting and absurd numbers are protocol violations of
  the scenario at hand, never a rule verdict; an adapter that answers at random is nondeterministic.

The adapters live in tests/trust_adapters/. Each notes its pid in the folder $TRUST_ADAPTER_PIDS names,
and every test checks afterwards that none of them still runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from retrykit.adapter import AdapterTarget
from retrykit.canonical import canonical
from retrykit.codec import scenario_from_json
from retrykit.drivers import ReferenceTarget
from retrykit.errors import ErrorKind, TargetError
from retrykit.mutation import shipped
from retrykit.validation import schema

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = Path(__file__).resolve().parent / "trust_adapters"
PIDS_VARIABLE = "TRUST_ADAPTER_PIDS"  # the same name as in tests/trust_adapters/*.py
SHIPPED = shipped()
SCENARIO = scenario_from_json(
    next(m["scenario"] for m in schema("protocol")["examples"] if m["type"] == "run")
)
EXPECTED = canonical(ReferenceTarget().run(SCENARIO))
Report = dict[str, Any]


def adapter(script: str, *arguments: str) -> list[str]:
    return [sys.executable, str(ADAPTERS / script), *arguments]


# -- no adapter process outlives a test ------------------------------------------------------------------


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"  # a zombie has ended


@pytest.fixture(autouse=True)
def adapter_pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every adapter a test starts (directly or behind ``pytest features``) notes its pid here; afterwards
    none of them may still run."""
    folder = tmp_path / "adapter-pids"
    folder.mkdir()
    monkeypatch.setenv(PIDS_VARIABLE, str(folder))
    yield folder
    pids = {int(note.name): note.read_text(encoding="utf-8") for note in folder.iterdir()}
    assert pids, "no adapter noted its pid: the check below would prove nothing"
    deadline = time.monotonic() + 3.0  # a SIGKILL is not delivered in the same instant
    while (left := {pid for pid in pids if _running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"adapter processes outlived the test: {[(pid, pids[pid]) for pid in sorted(left)]}"


# -- the kit run as a user runs it -------------------------------------------------------------------


def run_features(tmp_path: Path, command: list[str], *options: str) -> tuple[int, Report, str]:
    """``pytest features`` against the adapter: its exit status, report.json, and the end of its output."""
    folder = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider",
            "--adapter", shlex.join(command), "--report-dir", str(folder), *options,
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = f"exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    report_file = folder / "report.json"
    assert report_file.exists(), f"no report.json was written:\n{output}"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["scenarios"], f"the report lists no scenario:\n{output}"
    return done.returncode, report, output


def verdicts(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for scenario in report["scenarios"]:
        key = (
            f"{scenario['verdict']}/{scenario['error_kind']}"
            if scenario["error_kind"]
            else scenario["verdict"]
        )
        counts[key] = counts.get(key, 0) + 1
    return counts


# -- every freedom at once -------------------------------------------------------------------------------


def test_an_adapter_taking_every_freedom_the_page_leaves_conforms(tmp_path: Path) -> None:
    status, report, output = run_features(tmp_path, adapter("freedom.py"))
    assert report["conforms"] == "yes", f"{report['reasons']} {verdicts(report)}\n{output}"
    assert report["accepted"] is True
    assert status == 0, output
    judged = {r["id"]: r["verdict"] for r in report["rules"]}
    assert not {rule for rule, verdict in judged.items() if verdict == "failed"}, judged
    assert not {rule for rule, verdict in judged.items() if verdict == "differs from interpretation"}, judged
    # The run only proves something if the freedoms were taken: see them in the traces it judged.
    pairs = [(s["trace"], s["expected_trace"]) for s in report["scenarios"] if s.get("trace")]
    assert pairs, "the report keeps no trace"
    ids = [f["id"] for trace, _ in pairs for f in trace["files"]]
    assert ids and len(set(ids)) == len(ids), "file ids are not random and distinct"
    assert not set(ids) & {f["id"] for _, expected in pairs for f in expected["files"]}
    assert any(
        [t["vm"] for t in a["tasks"]] != [t["vm"] for t in b["tasks"]]
        for trace, expected in pairs
        for s, r in zip(trace["sessions"], expected["sessions"], strict=True)
        for a, b in zip(s["attempts"], r["attempts"], strict=True)
    ), "no attempt's tasks came in another order"
    assert any(
        [(f["session"], f["attempt"]) for f in trace["files"]]
        != [(f["session"], f["attempt"]) for f in expected["files"]]
        for trace, expected in pairs
    ), "no trace listed its files in another order"
    assert any(point_order(trace) != point_order(expected) for trace, expected in pairs), (
        "no file listed its restore points in another order"
    )


def point_order(trace: Report) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Each file's restore points in the order listed, the file named by what it holds, not by its id."""
    return {
        (f["kind"], f["session"], f["attempt"], frozenset(p["vm"] for p in f["restore_points"])): [
            (p["vm"], p["kind"], p["session"], p["attempt"]) for p in f["restore_points"]
        ]
        for f in trace["files"]
    }


# -- a mutant that hides wherever it would be caught ------------------------------------------------------


@pytest.mark.parametrize("name", [*sorted(SHIPPED.MUTANTS), *sorted(SHIPPED.READINGS)])
def test_a_mutant_skipping_wherever_it_differs_never_conforms(tmp_path: Path, name: str) -> None:
    status, report, output = run_features(tmp_path, adapter("skip_proxy.py", name))
    counts = verdicts(report)
    assert counts.get("skipped", 0) > 0, f"{name} never differed from the reference: {counts}\n{output}"
    assert report["conforms"] != "yes", f"{name}: {report['reasons']} {counts}"
    assert report["accepted"] is False, f"{name}: {report['reasons']} {counts}"
    assert status != 0, f"{name}: the run passed while it skipped {counts['skipped']} scenario(s)\n{output}"


# -- a hello with one defect ------------------------------------------------------------------------------

HELLO_DEFECTS = {  # what the handshake error must name (see tests/trust_adapters/hello_variants.py)
    "protocol-2.0": "2.0",
    "unknown-capability": "time_travel",
    "extra-field": "vendor_extension",
    "missing-field": "capabilities",
}


@pytest.mark.parametrize("variant", sorted(HELLO_DEFECTS))
def test_a_defective_hello_is_a_handshake_error_that_names_the_defect(tmp_path: Path, variant: str) -> None:
    status, report, output = run_features(tmp_path, adapter("hello_variants.py", variant))
    assert report["conforms"] == "not established", f"{report['reasons']}\n{output}"
    assert status != 0, output
    assert verdicts(report) == {"error/handshake": len(report["scenarios"])}
    handshake_error = report["implementation"]["handshake_error"]
    assert HELLO_DEFECTS[variant] in handshake_error, handshake_error


def test_the_same_hello_without_a_defect_is_accepted(tmp_path: Path) -> None:
    """The control: the variants' code path itself gives a correct, conforming adapter."""
    status, report, output = run_features(tmp_path, adapter("hello_variants.py", "correct"))
    assert report["implementation"]["handshake_error"] == "", output
    assert report["conforms"] == "yes", f"{report['reasons']}\n{output}"
    assert status == 0, output


# -- breaches of the conversation, driven directly ------------------------------------------------------


@pytest.fixture
def breach() -> Iterator[Callable[[str], AdapterTarget]]:
    opened: list[AdapterTarget] = []

    def open_breach(kind: str) -> AdapterTarget:
        target = AdapterTarget(adapter("breaches.py", kind), timeout=10)
        opened.append(target)
        target.start()
        return target

    yield open_breach
    for target in opened:
        target.close()


def protocol_violation(call: Callable[[], object]) -> TargetError:
    with pytest.raises(TargetError) as caught:
        call()
    error = caught.value
    assert error.kind is ErrorKind.PROTOCOL, f"{error.kind.value}: {error}"
    return error


def test_the_breaching_adapter_without_a_breach_answers_correctly(
    breach: Callable[[str], AdapterTarget],
) -> None:
    target = breach("none")
    for _ in range(3):
        assert canonical(target.run(SCENARIO)) == EXPECTED


@pytest.mark.parametrize("kind", ["unsolicited", "deep", "bignum", "bignum-trace"])
def test_a_breach_is_a_protocol_violation_of_the_scenario_at_hand(
    breach: Callable[[str], AdapterTarget], kind: str
) -> None:
    target = breach(kind)
    protocol_violation(lambda: target.run(SCENARIO))
    protocol_violation(lambda: target.run(SCENARIO))  # the fresh process does it again: so is it judged


def test_a_second_answer_to_a_run_is_a_protocol_violation_of_the_next(
    breach: Callable[[str], AdapterTarget],
) -> None:
    target = breach("duplicate")
    assert canonical(target.run(SCENARIO)) == EXPECTED  # run #1: the first of its two answers is right
    protocol_violation(lambda: target.run(SCENARIO))  # run #2 meets the second answer to run #1
    assert canonical(target.run(SCENARIO)) == EXPECTED  # a fresh process: the next run is judged again


def test_a_line_nobody_asked_for_is_an_error_of_the_scenario_not_a_failure(tmp_path: Path) -> None:
    status, report, output = run_features(tmp_path, adapter("breaches.py", "unsolicited"))
    first = report["scenarios"][0]
    assert (first["verdict"], first["error_kind"]) == ("error", "protocol violation"), first
    assert not any(s["verdict"] in ("failed", "differs from interpretation") for s in report["scenarios"])
    assert report["conforms"] != "yes"
    assert status != 0, output


def test_an_adapter_answering_at_random_is_nondeterministic(tmp_path: Path) -> None:
    status, report, output = run_features(tmp_path, adapter("breaches.py", "flaky"), "--repeat", "3")
    counts = verdicts(report)
    assert counts.get("error/nondeterministic", 0) > 0, f"{counts}\n{output}"
    assert report["conforms"] != "yes", f"{report['reasons']} {counts}"
    assert status != 0, output
