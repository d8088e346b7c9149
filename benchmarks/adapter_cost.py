"""Per-scenario cost of judging a target: in-process, through the reference adapter, and through a
do-nothing adapter that answers at once (the floor of any round trip), against the bare round trip to
that adapter.

    python benchmarks/adapter_cost.py [--rounds N] [--json OUT]

Each figure covers what the ``When`` step does per scenario: send the scenario, receive and validate the
trace, check the contract and run every oracle. The scenarios are the feature suite's own, taken from a
report of a fresh in-process run. Every side makes one pass over them (repeated to some 1,000 runs) per
round, rounds interleaved (benchmarks/interleave.py); a figure is the median of the rounds, and the
harness cost (target: at most 2x the bare round trip) is judged from its per-round ratios and their
spread.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from interleave import interleaved, spread, verdict

from retrykit import contract
from retrykit.adapter import AdapterTarget
from retrykit.codec import scenario_from_json, scenario_to_json, trace_to_json
from retrykit.drivers import ReferenceTarget, Target
from retrykit.oracles import judge
from retrykit.reference import engine
from retrykit.reference.model import Scenario

ROOT = Path(__file__).resolve().parent.parent


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
    scenarios = [scenario_from_json(s["scenario"]) for s in report["scenarios"] if s["scenario"]]
    return [s for s in scenarios if _traced(s)]


def _traced(scenario: Scenario) -> bool:
    """Whether the engine answers ``scenario`` with a trace: a setting its readings refuse is answered
    'skipped', which has no trace to judge and no answer for the do-nothing adapter to give."""
    try:
        engine.run(scenario)
    except engine.RefusedSetting:
        return False
    return True


def per_scenario(target: Target, scenarios: list[Scenario]) -> Callable[[], float]:
    """One timed pass over ``scenarios``: mean seconds per scenario of running and judging each."""

    def once() -> float:
        start = time.perf_counter()
        for scenario in scenarios:
            trace = target.run(scenario)
            contract.enforce(scenario, trace)
            judge(scenario, trace)
        return (time.perf_counter() - start) / len(scenarios)

    return once


def raw_round_trip(process: subprocess.Popen[bytes], scenarios: list[Scenario]) -> Callable[[], float]:
    """One timed pass of the bare exchange with the do-nothing adapter, seconds per scenario: the request
    written, the answer line read, nothing encoded beyond the request, parsed or judged. What any harness
    pays."""
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout
    requests = [
        (json.dumps({"type": "run", "seq": n, "scenario": scenario_to_json(s)}) + "\n").encode()
        for n, s in enumerate(scenarios, start=1)
    ]
    stdin.write(b'{"type":"hello","protocol":"1.0"}\n')
    stdin.flush()
    stdout.readline()

    def once() -> float:
        start = time.perf_counter()
        for request in requests:
            stdin.write(request)
            stdin.flush()
            stdout.readline()
        return (time.perf_counter() - start) / len(requests)

    return once


RUNS_PER_PASS = 1000
"""A pass runs the suite's scenarios over and over, at least this many runs: a pass of one suite (some
50 scenarios, a few milliseconds for the bare round trip) is at the mercy of one scheduling hiccup, and
the bare round trip is the denominator of the harness cost."""

BARE = "do-nothing round trip, bare"
NULL = "do-nothing adapter"
SIDES = (BARE, NULL, "reference adapter", "in-process reference")
"""In this order within a round: the bare round trip and the do-nothing adapter, whose ratio is the
harness cost, are always measured one right after the other."""


def measure(rounds: int) -> tuple[int, dict[str, list[float]]]:
    """How many scenarios a pass judges, and each side's seconds per scenario in each of ``rounds``
    interleaved rounds (after one untimed warm-up round)."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
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
        bare = stack.enter_context(
            subprocess.Popen(null_adapter, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        )
        stack.callback(_shut_down, bare)
        targets: dict[str, Target] = {
            NULL: AdapterTarget(null_adapter),
            "reference adapter": AdapterTarget([sys.executable, str(ROOT / "adapters/reference_adapter.py")]),
            "in-process reference": ReferenceTarget(),
        }
        for target in targets.values():
            stack.callback(target.close)
        runs = scenarios * -(-RUNS_PER_PASS // len(scenarios))
        sides = {BARE: raw_round_trip(bare, runs)}
        sides |= {name: per_scenario(targets[name], runs) for name in SIDES[1:]}
        interleaved(sides, 1)
        figures = interleaved(sides, rounds)
        return len(scenarios), figures


def _shut_down(process: subprocess.Popen[bytes]) -> None:
    assert process.stdin is not None
    process.stdin.write(b'{"type":"shutdown"}\n')
    process.stdin.close()


def harness_ratios(figures: dict[str, list[float]]) -> list[float]:
    """Per round, the harness's own cost per scenario (encoding, schema validation, decoding, contract,
    every oracle) as a multiple of the same round's bare round trip to an adapter that answers at once."""
    return [(adapter - bare) / bare for adapter, bare in zip(figures[NULL], figures[BARE], strict=True)]


HARNESS_TARGET = 2.0
"""The harness's own cost through an adapter: at most twice the bare round trip."""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=20, help="interleaved timed passes over the scenarios (default 20)"
    )
    parser.add_argument("--json", type=Path, help="also write every round's figures as JSON here")
    args = parser.parse_args()
    count, figures = measure(args.rounds)
    print(f"{count} scenarios, {args.rounds} interleaved rounds; ms per scenario, median (spread of rounds)")
    for name, seconds in figures.items():
        print(f"{name:>28}: {spread([s * 1e3 for s in seconds]).text(3)}")
    ratio = spread(harness_ratios(figures))
    print(
        f"{'harness cost':>28}: {ratio.text(2, 'x')} the bare round trip; "
        f"target at most {HARNESS_TARGET:g}x: {verdict(ratio, HARNESS_TARGET)}"
    )
    if args.json:
        args.json.write_text(json.dumps({"scenarios": count, **figures}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
