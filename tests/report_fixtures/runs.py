"""Run the feature suite in a child pytest, the way a user would, and keep what it left behind."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkout import ROOT

HERE = Path(__file__).resolve().parent
WRONG_ADAPTER = shlex.join([sys.executable, str((HERE / "wrong_adapter.py").relative_to(ROOT))])
HOSTILE_ADAPTER = shlex.join([sys.executable, str((HERE / "hostile_adapter.py").relative_to(ROOT))])
_OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|deselected)\b")


def collected_scenarios() -> int:
    """How many scenarios pytest collects from features/ (each example row of an outline counts)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "features", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return sum("::" in line for line in done.stdout.splitlines())


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "report.json").read_text(encoding="utf-8"))

    @property
    def markdown(self) -> str:
        return (self.report_dir / "report.md").read_text(encoding="utf-8")

    @property
    def html(self) -> str:
        return (self.report_dir / "report.html").read_text(encoding="utf-8")

    @property
    def outcomes(self) -> dict[str, int]:
        """pytest's own tally, from its final summary line ('3 failed, 40 passed, 1 xfailed in 2.1s')."""
        lines = [line for line in self.stdout.splitlines() if re.search(r"\bin [0-9.]+s\b", line)]
        assert lines, f"no pytest summary line in:\n{self.stdout[-2000:]}"
        counts = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0, "error": 0}
        for number, outcome in _OUTCOME.findall(lines[-1]):
            counts[outcome.removesuffix("s") if outcome.startswith("error") else outcome] = int(number)
        return counts


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_features(report_dir: Path, *args: str, timeout: float = 120) -> Run:
    """``pytest features`` in a child process from the checkout, the report written to ``report_dir``."""
    command = [
        sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider",
        "--report-dir", str(report_dir), *args,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=timeout, check=False
    )
    return Run(done.returncode, done.stdout, done.stderr, report_dir)


def run_shell(command: str, report_dir: Path, timeout: float = 120) -> Run:
    """A command line as a person would paste it into a shell in the checkout (pytest on PATH)."""
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, report_dir)


def junit_counts(path: Path) -> dict[str, int]:
    """tests, failures, errors and skipped of a JUnit XML file (pytest writes one testsuite)."""
    suites = ET.parse(path).getroot()
    suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
    assert suite is not None, f"{path}: no <testsuite>"
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    counts["testcases"] = len(suite.findall("testcase"))
    return counts
