"""docs/sample-report/: the report of the reference engine and of one shipped mutant, for reviewers who do
not run the kit, written by ``retry-kit samples``.

Each sample is a real run of the installed suite (pytest in a child process, as ``retry-kit run`` runs
it). What differs from one run to the next is then made fixed, so a sample changes only when the kit's
behaviour or its report does, and a test can require the committed files to be what this writes now: the
time and the run id, each scenario's duration, and the folders of the run (the interpreter, the kit's own
folder, the report folder) in the adapter and rerun commands.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from retrykit.errors import KitUsageError
from retrykit.mutation import mutant_command
from retrykit.paths import FEATURES
from retrykit.report import Json, load_report, write_atomically
from retrykit.report_set import rendered
from retrykit.suite import pytest_arguments

SHOWN_FOLDER = "docs/sample-report"
"""Where the samples say they are (in rerun commands), wherever they were written."""
GENERATED = "2026-01-01T00:00:00+00:00"
RUN_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Sample:
    name: str
    """Its folder under docs/sample-report/."""
    mutant: str
    """The shipped mutant it runs against; empty for the in-process reference engine."""


SAMPLES = (Sample("reference", ""), Sample("default-count-2", "default-count-2"))


def _run(sample: Sample, folder: Path) -> Json:
    adapter = ["--adapter", shlex.join(mutant_command(sample.mutant))] if sample.mutant else []
    arguments = pytest_arguments("-q", "-p", "no:cacheprovider", "--report-dir", str(folder), *adapter)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *arguments],
        cwd=FEATURES.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if not (folder / "report.json").is_file():
        raise KitUsageError(f"the run against {sample.name} wrote no report:\n{done.stdout[-2000:]}")
    return load_report(folder / "report.json")


def _fixed(text: str, folder: Path, shown: str) -> str:
    """``text`` with the run's folders as a reader of the samples sees them: the interpreter as python,
    the report folder as ``shown``, paths inside the kit relative to it."""
    return (
        text.replace(sys.executable, "python").replace(str(folder), shown).replace(f"{FEATURES.parent}/", "")
    )


def normalised(report: Json, folder: Path, shown: str) -> Json:
    """``report`` with nothing that differs between two runs of the same kit against the same target."""
    implementation = report["implementation"] | {
        "command": _fixed(report["implementation"]["command"], folder, shown)
    }
    scenarios = [
        s | {"rerun": _fixed(s["rerun"], folder, shown), "duration": 0.0} for s in report["scenarios"]
    ]
    return report | {
        "implementation": implementation,
        "generated": GENERATED,
        "run_id": RUN_ID,
        "scenarios": scenarios,
    }


def write_samples(out: Path) -> list[Path]:
    """Run every sample and write its report.json, report.md and report.html to ``out``/<name>/."""
    written = []
    with tempfile.TemporaryDirectory() as temporary:
        for sample in SAMPLES:
            folder = Path(temporary) / sample.name
            report = normalised(_run(sample, folder), folder, f"{SHOWN_FOLDER}/{sample.name}")
            for name, text in rendered(report).items():
                write_atomically(out / sample.name / name, text)
                written.append(out / sample.name / name)
    return written
