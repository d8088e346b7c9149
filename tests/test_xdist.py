"""Scale-out: `pytest features -n 2` gives the same verdicts and one complete report as a serial run."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import ROOT
from report_fixtures.runs import collected_scenarios

MUTANT = shlex.join([sys.executable, str(ROOT / "adapters" / "mutants.py"), "warning-retried"])


def _run(folder: Path, *extra: str) -> tuple[int, dict]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features",
        "-q",
        "-p",
        "no:cacheprovider",
        "--report-dir",
        str(folder),
    ]
    done = subprocess.run(
        [*command, *extra], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _verdicts(report: dict) -> list[tuple[str, str, object]]:
    return [(s["nodeid"], s["verdict"], s["trace"]) for s in report["scenarios"]]


@pytest.mark.parametrize("adapter", [None, MUTANT], ids=["in-process", "adapter"])
def test_two_workers_match_a_serial_run(tmp_path: Path, adapter: str | None) -> None:
    extra = ("--adapter", adapter) if adapter else ()
    serial_code, serial = _run(tmp_path / "serial", *extra)
    parallel_code, parallel = _run(tmp_path / "parallel", "-n", "2", *extra)
    assert parallel_code == serial_code
    expected = {"complete": True, "scenarios": collected_scenarios()}
    assert parallel["end_of_report"] == serial["end_of_report"] == expected
    assert _verdicts(parallel) == _verdicts(serial)
    assert [r["verdict"] for r in parallel["rules"]] == [r["verdict"] for r in serial["rules"]]
    assert parallel["implementation"] == serial["implementation"]
    if adapter:
        assert serial["totals"]["failed"] > 0


COUNTING_ADAPTER = """
import sys
from retrykit.adapters.reference_adapter import run
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.serve import serve

def counted(scenario):
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        log.write("run\\n")
    return run(scenario)

sys.exit(serve(counted, name="counting", version="1", capabilities=ALL_CAPABILITIES, window=8))
"""


def test_two_workers_send_each_scenario_once(tmp_path: Path) -> None:
    """With -n, --prefetch auto leaves prefetching off: each worker runs only the scenarios it is handed,
    so the product sees each applicable scenario once, not once per worker."""
    script, log = tmp_path / "counting.py", tmp_path / "runs.log"
    script.write_text(COUNTING_ADAPTER, encoding="utf-8")
    adapter = shlex.join([sys.executable, str(script), str(log)])
    status, report = _run(tmp_path / "report", "-n", "2", "--adapter", adapter)
    assert status == 0, report["reasons"]
    judged = report["totals"]["total"] - report["totals"]["not applicable"]
    assert len(log.read_text(encoding="utf-8").splitlines()) == judged
