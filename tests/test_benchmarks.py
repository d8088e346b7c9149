"""The benchmark command works on a fresh install: it measures every section and judges the targets.

Only the shape of the results is checked here, never a speed: the figures belong to the benchmark.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import readme_summary
from retrykit.errors import KitUsageError
from retrykit.paths import ROOT
from retrykit.readme import with_block

SECTIONS = {
    "suite": "Whole feature run",
    "adapter": "Per-scenario cost of judging a target",
    "engine": "Reference engine alone",
    "exploration": "Property-based exploration",
    "targets": "Targets",
}


def test_the_quick_benchmark_writes_every_section_and_prints_it(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert all(results[key] for key in SECTIONS)
    assert {row["run"] for row in results["suite"]} >= {
        "pytest start-up (collect only)",
        "pytest features, in-process",
        "pytest features, reference adapter",
        "pytest features -n 2, in-process",
    }
    assert all(row["seconds"] > 0 for row in results["suite"])
    assert {(row["chain"], row["VMs"], row["sessions"]) for row in results["engine"]} == {
        (chain, vms, sessions)
        for chain in ("per_machine", "single_file")
        for vms in (10, 100, 1000)
        for sessions in (1, 10)
    }
    assert {row["target"] for row in results["exploration"]} == {"in-process reference", "reference adapter"}
    assert all(isinstance(row["holds"], bool) for row in results["targets"])
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    for title in SECTIONS.values():
        assert f"### {title}" in text
        assert f"### {title}" in run.stdout
    summary = readme_summary(results)
    assert results["machine"] in summary
    for row in results["targets"]:
        assert row["target"] in summary
        assert row["measured"] in summary
    readme = "# Kit\n\n<!-- benchmarks -->\nold figures\n<!-- /benchmarks -->\n\n## Next\n"
    assert with_block(readme, "benchmarks", summary) == readme.replace("old figures\n", summary)


def test_a_readme_without_the_block_is_a_usage_error() -> None:
    with pytest.raises(
        KitUsageError, match=re.escape("no <!-- benchmarks --> ... <!-- /benchmarks --> block")
    ):
        with_block("# Kit\n", "benchmarks", "figures\n")
