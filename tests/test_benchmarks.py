"""The benchmark command works on a fresh install: it measures every section and judges the targets; the
interleaved-ratio helper judges a target only when the spread of its per-round ratios allows.

Only the shape of the results is checked here, never a speed: the figures belong to the benchmark.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import ROOT

from benchmarks.interleave import interleaved, ratios, spread, verdict
from benchmarks.run import COMBINE_TARGET, JOBS_TARGET, QUICK_BOUND, readme_summary
from retrykit import space
from retrykit.adapters.reference_adapter import WINDOW as REFERENCE_WINDOW
from retrykit.errors import KitUsageError
from retrykit.readme import with_block

SECTIONS = {
    "suite": "Whole feature run",
    "adapter": "Per-scenario cost of judging a target",
    "engine": "Reference engine alone",
    "exploration": "Property-based exploration",
    "exhaust": "Exhaustive checking",
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
    exhaustive = {row["target"]: row for row in results["exhaust"]}
    assert set(exhaustive) == {
        "in-process reference",
        f"reference adapter, pipelined (window {REFERENCE_WINDOW})",
        "reference adapter, window of 1",
        "reference adapter, one run at a time",
    }
    quick_size = space.size(QUICK_BOUND)
    assert all(row["scenarios"] == quick_size and row["per second"] > 0 for row in exhaustive.values())
    assert f"{space.size(space.DEFAULT):,} scenarios" in results["space"]["default bound"]
    assert results["mutants"] is None
    verdicts = {row["target"]: row["verdict"] for row in results["targets"]}
    judged = [v for v in verdicts.values() if v != "not judged"]
    assert all(v in ("holds", "missed") or v.startswith("undecided (spread ") for v in judged)
    assert [target for target, v in verdicts.items() if v == "not judged"] == [
        "one exhaust run against one adapter at the default bound < 60 s",
        JOBS_TARGET,
        COMBINE_TARGET,
        "the default bound catches every shipped mutant, each by the rule it breaks",
    ]
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


def test_a_ratio_target_is_judged_only_when_the_spread_of_per_round_ratios_allows() -> None:
    holds = spread(ratios([1.5, 1.9, 1.2], [1.0, 1.0, 1.0]))
    assert (holds.median, holds.low, holds.high, holds.kind, holds.samples) == (1.5, 1.2, 1.9, "min-max", 3)
    assert verdict(holds, 2) == "holds"
    assert verdict(spread([2.1, 3.0, 9.6]), 2) == "missed"
    straddles = spread([1.01, 1.6, 9.63])
    assert verdict(straddles, 2) == "undecided (spread 1.01..9.63)"
    assert straddles.text(2, "x") == "1.60x (min-max 1.01..9.63 of 3)"
    assert verdict(spread([2.0, 2.0]), 2) == "holds"  # at the target is within it


def test_a_lower_bound_target_holds_when_the_whole_spread_reaches_it() -> None:
    assert verdict(spread([2.2, 2.5, 3.0]), 2, at_most=False) == "holds"
    assert verdict(spread([1.0, 1.1, 1.9]), 2, at_most=False) == "missed"
    assert verdict(spread([1.5, 2.5, 3.0]), 2, at_most=False) == "undecided (spread 1.50..3.00)"


def test_from_five_rounds_the_spread_is_the_interquartile_range() -> None:
    """One disturbed round of twenty does not leave a target undecided; a disturbed quarter does."""
    steady = spread([1.5] * 19 + [9.6])
    assert (steady.kind, steady.low, steady.high, steady.samples) == ("IQR", 1.5, 1.5, 20)
    assert verdict(steady, 2) == "holds"
    assert verdict(spread([1.5] * 12 + [9.6] * 8), 2).startswith("undecided (spread 1.50..9.60)")
    assert spread([1.0, 2.0, 3.0, 4.0, 5.0]) == spread([5.0, 4.0, 3.0, 2.0, 1.0])
    assert (spread([1.0, 2.0, 3.0, 4.0, 5.0]).low, spread([1.0, 2.0, 3.0, 4.0, 5.0]).high) == (2.0, 4.0)


def test_per_round_ratios_pair_the_same_round() -> None:
    """Each side's best round may come from a different load on the machine; one round's pair does not."""
    fast_then_slow = [1.0, 4.0, 1.0]
    twice_that = [2.0, 8.0, 2.0]
    assert ratios(twice_that, fast_then_slow) == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="3 numerators for 2 denominators"):
        ratios(twice_that, fast_then_slow[:2])


def test_rounds_interleave_the_sides_odd_rounds_in_reverse() -> None:
    calls: list[str] = []

    def side(name: str, value: float):
        def once() -> float:
            calls.append(name)
            return value

        return once

    figures = interleaved({"A": side("A", 1.0), "B": side("B", 2.0), "C": side("C", 3.0)}, rounds=3)
    assert calls == ["A", "B", "C", "C", "B", "A", "A", "B", "C"]
    assert figures == {"A": [1.0] * 3, "B": [2.0] * 3, "C": [3.0] * 3}
    with pytest.raises(ValueError):
        interleaved({"A": side("A", 1.0)}, rounds=0)
