"""Per-scenario cost of judging a target: in-process, through the reference adapter, and through a
do-nothing adapter that answers at once (the floor of any round trip).

    python benchmarks/adapter_cost.py [--rounds N] [--json OUT]

Each figure covers what the ``When`` step does per scenario: send the scenario, receive and validate the
trace, check the contract and run every oracle. The scenarios are the feature suite's own, taken from a
report of a fresh in-process run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reference import engine
from reference.model import Scenario
from retrykit import contract
from retrykit.adapter import AdapterTarget
from retrykit.codec import scenario_from_json, scenario_to_json, trace_to_json
from retrykit.drivers import ReferenceTarget, Target
from retrykit.oracles import judge
from retrykit.paths import ROOT


def feature_scenarios(folder: Path) -> list[Scenario]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features",
            "-q",
            "-p",
            "no:cacheprovider",
            "--report-dir",
            str(folder),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return [scenario_from_json(s["scenario"]) for s in report["scenarios"] if s["scenario"]]


def per_scenario(target: Target, scenarios: list[Scenario], rounds: int) -> float:
    """Median over rounds of the mean seconds per scenario."""

    def once() -> float:
        start = time.perf_counter()
        for scenario in scenarios:
            trace = target.run(scenario)
            contract.enforce(scenario, trace)
            judge(scenario, trace)
        return (time.perf_counter() - start) / len(scenarios)

    once()
    return statistics.median(once() for _ in range(rounds))


def measure(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenarios = feature_scenarios(folder)
        answers = {
            json.dumps(scenario_to_json(s), sort_keys=True): trace_to_json(engine.run(s)) for s in scenarios
        }
        (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        makers: dict[str, Callable[[], Target]] = {
            "in-process reference": ReferenceTarget,
            "reference adapter": lambda: AdapterTarget(
                [sys.executable, str(ROOT / "adapters/reference_adapter.py")]
            ),
            "do-nothing adapter": lambda: AdapterTarget(
                [sys.executable, str(ROOT / "benchmarks/null_adapter.py"), str(folder / "answers.json")]
            ),
        }
        figures = {"scenarios": float(len(scenarios))}
        for name, make in makers.items():
            target = make()
            try:
                figures[name] = per_scenario(target, scenarios, rounds)
            finally:
                target.close()
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20, help="timed passes over the scenarios (default 20)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    figures = measure(args.rounds)
    for name, seconds in figures.items():
        if name != "scenarios":
            print(f"{name:>22}: {seconds * 1e3:8.3f} ms per scenario")
    floor = figures["do-nothing adapter"]
    print(
        f"{'harness over floor':>22}: {figures['reference adapter'] / floor:8.2f} x the do-nothing round trip"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
