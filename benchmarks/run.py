"""The kit's benchmarks, side by side in one run.

    python benchmarks/run.py [--quick] [--out benchmarks/results]

Measures (wall time; peak memory of each whole run, from the kernel's accounting of the child):
- the whole `pytest features` run in-process and through the reference adapter, against pytest's own
  start-up (collecting the same scenarios without running them);
- the per-scenario cost of judging a target: in-process, through the reference adapter, and through a
  do-nothing adapter that answers at once (benchmarks/adapter_cost.py);
- the reference engine alone for 10 to 10,000 VMs over 1 to 100 sessions with failures and retries, per
  VM-session, to show how cost grows;
- property-based exploration, scenarios per second, in-process and through the reference adapter;
- whether each of issue 7's targets holds, judged from those figures.
Writes results.json and results.md into --out. --quick uses smaller sizes (for a smoke test). --readme also
rewrites the README's benchmarks block from the figures, so the README quotes the latest run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_cost import harness_ratio
from adapter_cost import measure as adapter_cost

from reference import engine
from reference.model import ChainFormat, InjectedOutcome, Job, Scenario, SessionPlan, TaskResult
from retrykit.adapter import AdapterTarget
from retrykit.catalogue import load_catalogue
from retrykit.drivers import ReferenceTarget, Target
from retrykit.explore import explore
from retrykit.paths import ROOT
from retrykit.readme import with_block
from retrykit.report import write_atomically

REFERENCE_ADAPTER = shlex.join([sys.executable, str(ROOT / "adapters" / "reference_adapter.py")])


def _child(command: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one child process and what it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{shlex.join(command)} ended with status {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def suite_runs(report_dir: Path) -> list[dict[str, object]]:
    base = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--report-dir"]
    runs = {
        "pytest start-up (collect only)": [*base, str(report_dir / "c"), "--collect-only"],
        "pytest features, in-process": [*base, str(report_dir / "i")],
        "pytest features, reference adapter": [*base, str(report_dir / "a"), "--adapter", REFERENCE_ADAPTER],
        "pytest features -n 2, in-process": [*base, str(report_dir / "n"), "-n", "2"],
    }
    rows = []
    for name, command in runs.items():
        seconds, mib = min((_child(command) for _ in range(3)), key=lambda m: m[0])
        rows.append({"run": name, "seconds": round(seconds, 3), "peak MiB": round(mib, 1)})
    report = json.loads((report_dir / "i" / "report.json").read_text(encoding="utf-8"))
    kit = sum(s["duration"] for s in report["scenarios"])
    rows.append(
        {
            "run": f"sum of the {len(report['scenarios'])} scenarios' own durations, in-process",
            "seconds": round(kit, 3),
            "peak MiB": None,
        }
    )
    return rows


def _scaled(vms: int, sessions: int, chain: ChainFormat) -> Scenario:
    """Every tenth VM (a different tenth each session) fails the initial run and the first retry."""
    names = tuple(f"VM {n}" for n in range(1, vms + 1))
    plans = tuple(
        SessionPlan(
            outcomes=tuple(
                InjectedOutcome(names[i], attempt, TaskResult.FAILED)
                for i in range(s % 10, vms, 10)
                for attempt in (1, 2)
            )
        )
        for s in range(sessions)
    )
    return Scenario(Job("Scaled job", names, chain), plans)


def engine_scaling(quick: bool) -> list[dict[str, object]]:
    sizes = [10, 100, 1000] if quick else [10, 100, 1000, 10_000]
    session_counts = [1, 10] if quick else [1, 10, 100]
    rows = []
    for chain in ChainFormat:
        for vms in sizes:
            for sessions in session_counts:
                scenario = _scaled(vms, sessions, chain)
                repeats = max(1, 20_000 // (vms * sessions))
                start = time.perf_counter()
                for _ in range(repeats):
                    engine.run(scenario)
                seconds = (time.perf_counter() - start) / repeats
                rows.append(
                    {
                        "chain": chain.value,
                        "VMs": vms,
                        "sessions": sessions,
                        "seconds": round(seconds, 5),
                        "µs per VM-session": round(seconds / (vms * sessions) * 1e6, 2),
                    }
                )
    return rows


def exploration_rates(examples: int) -> list[dict[str, object]]:
    catalogue = load_catalogue()
    targets: dict[str, Target] = {
        "in-process reference": ReferenceTarget(),
        "reference adapter": AdapterTarget(shlex.split(REFERENCE_ADAPTER)),
    }
    rows = []
    for name, target in targets.items():
        try:
            start = time.perf_counter()
            state = explore(target, catalogue, examples=examples, seed=None)
            seconds = time.perf_counter() - start
        finally:
            target.close()
        rows.append(
            {"target": name, "scenarios": state.examples, "per second": round(state.examples / seconds, 1)}
        )
    return rows


def targets(per_scenario: dict[str, float], suite: list[dict], engine_rows: list[dict]) -> list[dict]:
    """Issue 7's three targets, each judged from the figures above."""
    ratio = harness_ratio(per_scenario)
    runs = {row["run"]: row["seconds"] for row in suite}
    start_up, whole = runs["pytest start-up (collect only)"], runs["pytest features, in-process"]
    rows = [
        {
            "target": "harness cost through an adapter <= 2x the bare round trip",
            "measured": f"{ratio:.2f}x",
            "holds": ratio <= 2,
        },
        {
            "target": "in-process feature run dominated by pytest start-up",
            "measured": f"start-up (collect only) {start_up:.2f} s, whole run {whole:.2f} s",
            "holds": start_up >= whole / 2,
        },
    ]
    for row in engine_rows:
        if (row["VMs"], row["sessions"]) == (10_000, 100):
            rows.append(
                {
                    "target": f"engine, 10,000 VMs x 100 sessions, {row['chain']}, < 1 s",
                    "measured": f"{row['seconds']:.2f} s",
                    "holds": row["seconds"] < 1,
                }
            )
    return rows


def markdown(results: dict) -> str:
    parts = [f"Measured {results['measured']} on {results['machine']}.", ""]
    for title, key in (
        ("Whole feature run", "suite"),
        ("Per-scenario cost of judging a target", "adapter"),
        ("Reference engine alone", "engine"),
        ("Property-based exploration", "exploration"),
        ("Targets", "targets"),
    ):
        parts += [f"### {title}", "", tabulate(results[key], headers="keys", tablefmt="github"), ""]
    return "\n".join(parts)


def readme_summary(results: dict) -> str:
    """The headline figures as the README quotes them, with where they came from."""
    suite = {row["run"]: row for row in results["suite"]}
    cost = {row["target"]: row["ms per scenario"] for row in results["adapter"]}
    biggest = {
        row["chain"]: row["seconds"] for row in results["engine"] if row["VMs"] * row["sessions"] == 1_000_000
    }
    per_vm_session = [row["µs per VM-session"] for row in results["engine"]]
    rates = {row["target"]: row["per second"] for row in results["exploration"]}

    def run(name: str) -> str:
        return f"{suite[name]['seconds']:.2f} s, {suite[name]['peak MiB']:.0f} MiB peak"

    figures = [
        ("`pytest features`, in-process", run("pytest features, in-process")),
        ("pytest's own start-up (collect only)", run("pytest start-up (collect only)")),
        ("`pytest features --adapter` (reference adapter)", run("pytest features, reference adapter")),
        ("`pytest features -n 2`, in-process", run("pytest features -n 2, in-process")),
        (
            "judging one scenario",
            f"in-process {cost['in-process reference']} ms; "
            f"reference adapter {cost['reference adapter']} ms; "
            f"do-nothing adapter {cost['do-nothing adapter']} ms (bare round trip "
            f"{cost['do-nothing round trip, bare']} ms)",
        ),
        (
            "engine alone, per VM-session",
            f"{min(per_vm_session)} to {max(per_vm_session)} µs, from 10 VMs x 1 session to the largest job",
        ),
        *(
            (f"engine alone, 10,000 VMs x 100 sessions, {chain}", f"{seconds:.2f} s")
            for chain, seconds in biggest.items()
        ),
        (
            "property-based exploration",
            ", ".join(f"{name}: {rate} scenarios/s" for name, rate in rates.items()),
        ),
    ]
    targets = [
        (row["target"], row["measured"], "holds" if row["holds"] else "**missed**")
        for row in results["targets"]
    ]
    return (
        f"`python benchmarks/run.py --readme`, {results['measured']}, {results['machine']}.\n\n"
        + tabulate(figures, headers=["measured", "figure"], tablefmt="github")
        + "\n\n"
        + tabulate(targets, headers=["target", "measured", "verdict"], tablefmt="github")
        + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--readme", action="store_true", help="also rewrite the README's benchmarks block")
    args = parser.parse_args()
    if args.readme and args.quick:
        parser.error("--readme quotes full runs only; drop --quick")
    args.out.mkdir(parents=True, exist_ok=True)
    per_scenario = adapter_cost(rounds=3 if args.quick else 20)
    results = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "suite": suite_runs(args.out / "runs"),
        "adapter": [
            {"target": name, "ms per scenario": round(seconds * 1e3, 3)}
            for name, seconds in per_scenario.items()
            if name != "scenarios"
        ],
        "engine": engine_scaling(args.quick),
        "exploration": exploration_rates(50 if args.quick else 500),
    }
    results["targets"] = targets(per_scenario, results["suite"], results["engine"])
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = markdown(results)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    if args.readme:
        readme = ROOT / "README.md"
        write_atomically(
            readme, with_block(readme.read_text(encoding="utf-8"), "benchmarks", readme_summary(results))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
