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
    """The fastest round's mean seconds per scenario: the round least disturbed by other load on the
    machine, as timeit advises; the bare round trip is taken the same way, so the ratio is like for like."""

    def once() -> float:
        start = time.perf_counter()
        for scenario in scenarios:
            trace = target.run(scenario)
            contract.enforce(scenario, trace)
            judge(scenario, trace)
        return (time.perf_counter() - start) / len(scenarios)

    once()
    return min(once() for _ in range(rounds))


def raw_round_trip(command: list[str], scenarios: list[Scenario], rounds: int) -> float:
    """Seconds per scenario (fastest round) of the bare exchange with the do-nothing adapter: the request
    written, the answer line read, nothing encoded beyond the request, parsed or judged. What any harness
    pays."""
    requests = [
        (json.dumps({"type": "run", "seq": n, "scenario": scenario_to_json(s)}) + "\n").encode()
        for n, s in enumerate(scenarios, start=1)
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b'{"type":"hello","protocol":"1.0"}\n')
        process.stdin.flush()
        process.stdout.readline()

        def once() -> float:
            start = time.perf_counter()
            for request in requests:
                process.stdin.write(request)
                process.stdin.flush()
                process.stdout.readline()
            return (time.perf_counter() - start) / len(requests)

        once()
        seconds = min(once() for _ in range(rounds))
        process.stdin.write(b'{"type":"shutdown"}\n')
        process.stdin.close()
    return seconds


def measure(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenarios = feature_scenarios(folder)
        answers = {
            json.dumps(scenario_to_json(s), sort_keys=True): trace_to_json(engine.run(s)) for s in scenarios
        }
        (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        null_adapter = [
            sys.executable,
            str(ROOT / "benchmarks/null_adapter.py"),
            str(folder / "answers.json"),
        ]
        makers: dict[str, Callable[[], Target]] = {
            "in-process reference": ReferenceTarget,
            "reference adapter": lambda: AdapterTarget(
                [sys.executable, str(ROOT / "adapters/reference_adapter.py")]
            ),
            "do-nothing adapter": lambda: AdapterTarget(null_adapter),
        }
        figures = {"scenarios": float(len(scenarios))}
        figures["do-nothing round trip, bare"] = raw_round_trip(null_adapter, scenarios, rounds)
        for name, make in makers.items():
            target = make()
            try:
                figures[name] = per_scenario(target, scenarios, rounds)
            finally:
                target.close()
        return figures


def harness_ratio(figures: dict[str, float]) -> float:
    """The harness's own cost per scenario (encoding, schema validation, decoding, contract, every oracle),
    as a multiple of the bare round trip to an adapter that answers at once."""
    bare = figures["do-nothing round trip, bare"]
    return (figures["do-nothing adapter"] - bare) / bare


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
    print(f"{'harness cost':>22}: {harness_ratio(figures):8.2f} x the bare round trip (target: at most 2)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
