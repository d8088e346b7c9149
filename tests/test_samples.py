"""docs/sample-report/: reports reviewers read without running the kit, kept current by `retry-kit samples`.

The committed files must be exactly what the command writes now (it makes the time, run id, durations
and folders fixed, so two runs write the same bytes); each is a whole report set the kit reads back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.report import load_report
from retrykit.samples import SAMPLES, SHOWN_FOLDER, write_samples

COMMITTED = ROOT / SHOWN_FOLDER


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}


def test_the_committed_samples_are_what_retry_kit_samples_writes_now(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert {p.relative_to(tmp_path) for p in written} == _files(COMMITTED)
    stale = sorted(
        str(name)
        for name in _files(tmp_path)
        if (tmp_path / name).read_bytes() != (COMMITTED / name).read_bytes()
    )
    assert not stale, f"stale samples {stale}: run `retry-kit samples` and commit {SHOWN_FOLDER}"


@pytest.mark.parametrize(("name", "conforms"), [("reference", "yes"), ("default-count-2", "no")])
def test_each_sample_is_a_whole_report_set(name: str, conforms: str) -> None:
    report = load_report(COMMITTED / name / "report.json")
    assert report["conforms"] == conforms
    assert str(ROOT) not in (COMMITTED / name / "report.json").read_text(encoding="utf-8")


def test_the_samples_are_not_ignored_by_git() -> None:
    names = [str(COMMITTED / s.name / "report.md") for s in SAMPLES]
    done = subprocess.run(
        ["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, f"ignored: {done.stdout}"
