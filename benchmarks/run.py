"""The kit's benchmarks, side by side in one run.

    python benchmarks/run.py [--quick | --mutants] [--out benchmarks/results] [--readme]

Measures (wall time; peak memory of each whole run, from the kernel's accounting of the child):
- the whole `pytest features` run in-process and through the reference adapter, against pytest's own
  start-up (collecting the same scenarios without running them);
- the per-scenario cost of judging a target: in-process, through the reference adapter, and through a
  do-nothing adapter that answers at once, against the bare round trip to it (benchmarks/adapter_cost.py);
- the reference engine alone for 10 to 10,000 VMs over 1 to 100 sessions with failures and retries, per
  VM-session, to show how cost grows;
- property-based exploration (`retry-kit explore`), scenarios per second, in-process and through the
  reference adapter;
- exhaustive checking (`retry-kit exhaust`), scenarios per second, in-process and through the reference
  adapter: pipelined (the window its hello declares), with a window forced to 1 (the next run is sent
  while the kit judges the last: the kit's work and the adapter's overlap) and one run at a time (each run
  sent once the last was judged, as before pipelining), on the default bound (--quick: the default bound
  with one session), and the size of the default space;
- exhaust spread over cores and machines, at a bound wider than the default (--max-vms 4): one worker
  against two (-j 2), and the cost of `retry-kit combine` joining two shards against the shards' own time
  (left out of --quick);
- exhaust at the default bound against every shipped mutant (adapters/mutants.py), two at a time: which
  rules each run finds (minutes; left out of --quick; --mutants runs only this check);
- whether each performance target holds, judged from those figures: the harness's own cost through an
  adapter at most 2x the bare round trip; the in-process feature run at most 2x pytest's start-up; the
  engine's 10,000 VMs x 100 sessions in under 1 s; one exhaust run against one adapter at the default bound
  in under 60 s; pipelined exhaust through the reference adapter at least 2x as fast as one run at a time;
  exhaust in-process at least 20x the scenarios per second of explore in-process; exhaust on 2 workers at
  least 1.7x one worker; combining shards under 1% of their run time; the default bound catching every
  shipped mutant by the rule it breaks.

Figures that are compared are measured in interleaved rounds (benchmarks/interleave.py): each round runs
every side once, back to back, so a ratio is taken between two measurements that saw the same load on the
machine. A figure is the median of its rounds with their spread (interquartile range from 5 rounds up,
else min-max); a target is judged "holds" or "missed" only when the whole spread is on one side of it,
else "undecided". Rounds: pytest runs 5 (--quick 3), per-scenario costs 20 (--quick 3), exploration and
exhaust 5 (--quick 3; each exhaust pass judges the whole bound: some 10 to 30 s at the default bound), so
that every judged ratio of a full run has an interquartile range, not a range one disturbed round sets.

Writes results.json (with every round's figures) and results.md into --out; --mutants writes mutants.json
and mutants.md instead. --readme also rewrites the README's benchmarks block from the figures, so the
README quotes the latest full run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_cost import HARNESS_TARGET, harness_ratios
from adapter_cost import measure as adapter_cost
from interleave import Spread, interleaved, ratios, spread, verdict

from retrykit import space
from retrykit.adapter import AdapterTarget
from retrykit.catalogue import load_catalogue
from retrykit.drivers import ReferenceTarget, Target
from retrykit.exhaust import exhaust
from retrykit.explore import explore
from retrykit.mutation import mutant_command, shipped
from retrykit.readme import with_block
from retrykit.reference import engine
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    Scenario,
    SessionPlan,
    StopMode,
    TaskResult,
    Trace,
)
from retrykit.report import write_atomically

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_ADAPTER = shlex.join([sys.executable, str(ROOT / "adapters" / "reference_adapter.py")])

QUICK_BOUND = space.Bound(max_sessions=1, stop_modes=(StopMode.IMMEDIATE,), extras=())
"""--quick's exhaust bound: the default bound with one session and the page's own inputs (2,522
scenarios), so the test that runs --quick stays short."""

START_UP = "pytest start-up (collect only)"
WHOLE = "pytest features, in-process"

EXPLORE_ADAPTER = "explore, reference adapter"
EXPLORE = "explore, in-process"
EXHAUST = "exhaust, in-process"
PIPELINED = "exhaust, reference adapter, pipelined"
WINDOW_OF_ONE = "exhaust, reference adapter, window of 1"
ONE_AT_A_TIME = "exhaust, reference adapter, one run at a time"

ROUNDS = {"suite": 5, "adapter": 20, "checking": 5}
"""Interleaved rounds of each part of a full run: pytest runs, per-scenario costs, explore and exhaust
(each exhaust pass judges the whole bound, some 10 to 30 s at the default bound)."""
QUICK_ROUNDS = {"suite": 3, "adapter": 3, "checking": 3}

EXHAUST_SECONDS = 60.0
"""One exhaust run against one adapter at the default bound: under a minute on 2 cores."""
PIPELINING_GAIN = 2.0
"""Pipelined exhaust through the reference adapter: at least twice as fast as one run at a time (each run
sent once the last was judged); the window of 1 is shown beside it."""
EXHAUST_OVER_EXPLORE = 20.0
"""exhaust in-process: at least 20 times as many scenarios per second as explore in-process."""
STARTUP_SHARE = 2.0
"""The in-process feature run takes at most twice pytest's own start-up: start-up dominates."""


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


def _figure(samples: list[float], digits: int) -> dict[str, object]:
    """The median of ``samples`` and their spread, as columns of a table."""
    figure = spread(samples)
    low, high = round(figure.low, digits), round(figure.high, digits)
    return {"median": round(figure.median, digits), "spread": f"{figure.kind} {low}..{high}"}


def suite_runs(report_dir: Path, rounds: int) -> tuple[list[dict[str, object]], dict[str, list[float]]]:
    """The rows of the whole-run table and each run's seconds per round (interleaved rounds)."""
    base = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--report-dir"]
    commands = {
        START_UP: [*base, str(report_dir / "c"), "--collect-only"],
        WHOLE: [*base, str(report_dir / "i")],
        "pytest features, reference adapter": [*base, str(report_dir / "a"), "--adapter", REFERENCE_ADAPTER],
        "pytest features -n 2, in-process": [*base, str(report_dir / "n"), "-n", "2"],
    }
    peaks: dict[str, list[float]] = {name: [] for name in commands}

    def side(name: str) -> Callable[[], float]:
        def once() -> float:
            seconds, mib = _child(commands[name])
            peaks[name].append(mib)
            return seconds

        return once

    seconds = interleaved({name: side(name) for name in commands}, rounds)
    rows: list[dict[str, object]] = []
    for name in commands:
        figure = _figure(seconds[name], 3)
        rows.append(
            {
                "run": name,
                "seconds": figure["median"],
                "spread": figure["spread"],
                "peak MiB": round(max(peaks[name]), 1),
            }
        )
    report = json.loads((report_dir / "i" / "report.json").read_text(encoding="utf-8"))
    kit = sum(s["duration"] for s in report["scenarios"])
    rows.append(
        {
            "run": f"sum of the {len(report['scenarios'])} scenarios' own durations, in-process (last round)",
            "seconds": round(kit, 3),
            "spread": None,
            "peak MiB": None,
        }
    )
    return rows, seconds


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


class OneAtATime:
    """An adapter without run_many, so run_each sends each run once the kit has judged the last: the kit's
    work and the adapter's add up, as they did before pipelining."""

    def __init__(self, target: AdapterTarget) -> None:
        self._target = target
        self.identity = target.identity

    def run(self, scenario: Scenario) -> Trace:
        return self._target.run(scenario)

    def close(self) -> None:
        self._target.close()


def checking_rates(
    bound: space.Bound, examples: int, rounds: int
) -> tuple[dict[str, list[float]], dict[str, int], int]:
    """Seconds per pass of explore (``examples`` scenarios, derandomised: the same ones every round) and
    of exhaust over ``bound``, in-process and through the reference adapter, in interleaved rounds; how
    many scenarios each pass judged; the reference adapter's declared window. A pass through an adapter
    starts a fresh one and is timed from its start to its shutdown. The sides whose ratio is judged are
    run next to each other: explore and exhaust in-process, then pipelined between a window of 1 and
    one run at a time."""
    catalogue = load_catalogue()
    judged: dict[str, int] = {}
    window = 1

    def adapter(window_of_one: bool) -> AdapterTarget:
        nonlocal window
        target = AdapterTarget(shlex.split(REFERENCE_ADAPTER))
        target.start()
        window = max(window, target.window)
        if window_of_one:
            target.window = 1
        return target

    def exploring(in_process: bool, name: str) -> Callable[[], float]:
        def once() -> float:
            start = time.perf_counter()
            target = ReferenceTarget() if in_process else adapter(False)
            try:
                judged[name] = explore(target, catalogue, examples=examples, seed=None).examples
            finally:
                target.close()
            return time.perf_counter() - start

        return once

    def exhausting(make: Callable[[], Target], name: str) -> Callable[[], float]:
        def once() -> float:
            start = time.perf_counter()
            target = make()
            try:
                result = exhaust(target, bound, catalogue)
            finally:
                target.close()
            if result.groups or not result.complete:
                raise RuntimeError(f"{name}: the reference failed exhaust: {[g.key for g in result.groups]}")
            judged[name] = result.judged
            return time.perf_counter() - start

        return once

    sides = {
        EXPLORE_ADAPTER: exploring(False, EXPLORE_ADAPTER),
        EXPLORE: exploring(True, EXPLORE),
        EXHAUST: exhausting(ReferenceTarget, EXHAUST),
        WINDOW_OF_ONE: exhausting(lambda: adapter(True), WINDOW_OF_ONE),
        PIPELINED: exhausting(lambda: adapter(False), PIPELINED),
        ONE_AT_A_TIME: exhausting(lambda: OneAtATime(adapter(False)), ONE_AT_A_TIME),
    }
    return interleaved(sides, rounds), judged, window


def rates(seconds: dict[str, list[float]], judged: dict[str, int]) -> dict[str, list[float]]:
    """Scenarios per second of each pass."""
    return {name: [judged[name] / s for s in passes] for name, passes in seconds.items()}


def mutant_check(folder: Path, jobs: int = 2) -> list[dict[str, object]]:
    """`retry-kit exhaust` at the default bound against every shipped mutant, ``jobs`` at a time: whether
    a group of its findings is the rule the mutant breaks, every rule found, and each run's wall time."""
    mutants = shipped().MUTANTS

    def run(name: str) -> dict[str, object]:
        adapter = shlex.join(mutant_command(name))
        out = folder / name
        command = [sys.executable, "-m", "retrykit.cli", "exhaust", "--adapter", adapter, "--out", str(out)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        written = out / "summary.json"
        if done.returncode not in (0, 1) or not written.is_file():
            raise RuntimeError(
                f"{shlex.join(command)} ended with status {done.returncode} without a summary: "
                f"{done.stderr[-2000:]}"
            )
        summary = json.loads(written.read_text(encoding="utf-8"))
        keys = [group["key"] for group in summary["groups"]]
        rule = mutants[name].rule
        return {
            "mutant": name,
            "rule it breaks": rule,
            "caught by it": rule in keys,
            "rules found": ", ".join(keys),
            "scenarios": summary["judged"],
            "seconds": round(seconds, 1),
        }

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run, sorted(mutants)))


KIT = str(Path(sys.executable).with_name("retry-kit"))
SHARDING_BOUND = ["--max-vms", "4"]
"""Wider than the default bound (200,946 scenarios): where spreading the work over cores pays."""
JOBS_GAIN = 1.7
COMBINE_SHARE = 0.01
ONE_WORKER, TWO_WORKERS, TWO_SHARDS, COMBINE = (
    "exhaust -j 1",
    "exhaust -j 2",
    "2 shards, one after the other",
    ("combine of the 2 shards"),
)


def sharding_rounds(folder: Path, rounds: int) -> dict[str, list[float]]:
    """Seconds per interleaved round of exhaust on one worker and on two (-j 2), of the same bound as two
    shards run one after the other, and of `retry-kit combine` joining them (interpreter start-up
    included), all in-process against the reference."""
    bound = SHARDING_BOUND
    runs = iter(range(10**6))

    def exhaust_run(*options: str) -> float:
        out = folder / f"run-{next(runs)}"
        return _child([KIT, "exhaust", *bound, *options, "--out", str(out)])[0]

    shards: list[Path] = []

    def two_shards() -> float:
        shards[:] = [folder / f"shard-{next(runs)}-{k}" for k in (1, 2)]
        return sum(
            _child([KIT, "exhaust", *bound, "--shard", f"{k}/2", "--out", str(out)])[0]
            for k, out in zip((1, 2), shards, strict=True)
        )

    def combine() -> float:
        return _child([KIT, "combine", *map(str, shards), "--out", str(folder / f"combined-{next(runs)}")])[0]

    sides = {
        ONE_WORKER: lambda: exhaust_run("-j", "1"),
        TWO_WORKERS: lambda: exhaust_run("-j", "2"),
        TWO_SHARDS: two_shards,
        COMBINE: combine,
    }
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name in (ONE_WORKER, TWO_WORKERS) if _ % 2 == 0 else (TWO_WORKERS, ONE_WORKER):
            figures[name].append(sides[name]())
        figures[TWO_SHARDS].append(two_shards())
        figures[COMBINE].append(combine())
    return figures


JOBS_TARGET = (
    f"exhaust on 2 local workers (-j 2) >= {JOBS_GAIN:g}x the one-worker rate, "
    "at a bound wider than the default"
)
COMBINE_TARGET = f"combining shard reports costs < {COMBINE_SHARE:.0%} of the shards' own run time"


def sharding_targets(sharding: dict[str, list[float]], quick: bool) -> list[dict[str, str]]:
    """Judged on the wider bound only: --quick's bound is so small that start-up is all it measures."""
    if quick:
        return [
            _judged(t, "not measured: --quick's bound is too small", "not judged")
            for t in (JOBS_TARGET, COMBINE_TARGET)
        ]
    bound = " ".join(SHARDING_BOUND)
    return [
        _ratio_target(
            JOBS_TARGET,
            ratios(sharding[ONE_WORKER], sharding[TWO_WORKERS]),
            JOBS_GAIN,
            at_most=False,
            what=f"{bound}:",
        ),
        _ratio_target(
            COMBINE_TARGET,
            ratios(sharding[COMBINE], sharding[TWO_SHARDS]),
            COMBINE_SHARE,
            at_most=True,
            what=f"{bound}, combine / shards, Python start-up included:",
            digits=4,
        ),
    ]


def _judged(target: str, measured: str, result: str) -> dict[str, str]:
    return {"target": target, "measured": measured, "verdict": result}


def _ratio_target(
    target: str, samples: list[float], bound: float, *, at_most: bool, what: str, digits: int = 2
) -> dict:
    figure: Spread = spread(samples)
    return _judged(
        target, f"{what} {figure.text(digits, 'x')}", verdict(figure, bound, at_most=at_most, digits=digits)
    )


def targets(
    rounds: dict[str, dict[str, list[float]]], judged: dict[str, int], engine_rows: list[dict], quick: bool
) -> list[dict[str, str]]:
    """Every performance target but the mutants', judged from the rounds' figures: ratios from the
    per-round ratios of two sides measured next to each other, with their spread."""
    suite, cost, checking = rounds["suite"], rounds["adapter"], rounds["checking"]
    per_second = rates(checking, judged)
    bound = "quick bound" if quick else "default bound"
    rows = [
        _ratio_target(
            f"harness cost through an adapter <= {HARNESS_TARGET:g}x the bare round trip",
            harness_ratios(cost),
            HARNESS_TARGET,
            at_most=True,
            what="",
        ),
        _ratio_target(
            f"in-process feature run dominated by pytest start-up (whole run <= {STARTUP_SHARE:g}x start-up)",
            ratios(suite[WHOLE], suite[START_UP]),
            STARTUP_SHARE,
            at_most=True,
            what="whole run / start-up",
        ),
    ]
    for row in engine_rows:
        if (row["VMs"], row["sessions"]) == (10_000, 100):
            rows.append(
                _judged(
                    f"engine, 10,000 VMs x 100 sessions, {row['chain']}, < 1 s",
                    f"{row['seconds']:.2f} s (one run)",
                    "holds" if row["seconds"] < 1 else "missed",
                )
            )
    one_run = f"one exhaust run against one adapter at the default bound < {EXHAUST_SECONDS:g} s"
    if quick:
        rows.append(_judged(one_run, "not measured: --quick judges a smaller bound", "not judged"))
    else:
        figure = spread(checking[PIPELINED])
        rows.append(
            _judged(
                one_run,
                f"reference adapter, pipelined, start to shutdown: {figure.text(1, ' s')}",
                verdict(figure, EXHAUST_SECONDS, digits=1),
            )
        )
    pipelining = _ratio_target(
        f"pipelined exhaust through the reference adapter >= {PIPELINING_GAIN:g}x as fast as one run "
        "at a time",
        ratios(checking[ONE_AT_A_TIME], checking[PIPELINED]),
        PIPELINING_GAIN,
        at_most=False,
        what=f"{bound}:",
    )
    window_of_one = spread(ratios(checking[WINDOW_OF_ONE], checking[PIPELINED])).text(2, "x")
    pipelining["measured"] += f"; a window of 1 (not judged): {window_of_one}"
    rows += [
        pipelining,
        _ratio_target(
            f"exhaust in-process >= {EXHAUST_OVER_EXPLORE:g}x the scenarios/s of explore in-process",
            ratios(per_second[EXHAUST], per_second[EXPLORE]),
            EXHAUST_OVER_EXPLORE,
            at_most=False,
            what=f"{bound}:",
        ),
    ]
    for row in rows:
        row["measured"] = row["measured"].strip()
    return rows


MUTANTS_TARGET = "the default bound catches every shipped mutant, each by the rule it breaks"


def mutant_targets(mutant_rows: list[dict[str, object]] | None) -> list[dict[str, str]]:
    if mutant_rows is None:
        return [_judged(MUTANTS_TARGET, "not run: --quick leaves it out (run --mutants)", "not judged")]
    missed = [str(row["mutant"]) for row in mutant_rows if not row["caught by it"]]
    slowest = max(float(str(row["seconds"])) for row in mutant_rows)
    measured = (
        f"{len(mutant_rows) - len(missed)} of {len(mutant_rows)} caught by their rule "
        f"(two runs at a time, slowest {slowest:.0f} s)"
        + (f"; not caught: {', '.join(missed)}" if missed else "")
    )
    return [_judged(MUTANTS_TARGET, measured, "missed" if missed else "holds")]


def checking_rows(
    seconds: dict[str, list[float]], judged: dict[str, int], window: int
) -> tuple[list[dict], list[dict]]:
    """The exploration table and the exhaust table: scenarios per second, median and spread."""
    per_second = rates(seconds, judged)

    def row(name: str, label: str) -> dict[str, object]:
        figure = _figure(per_second[name], 1)
        return {
            "target": label,
            "scenarios": judged[name],
            "seconds": round(spread(seconds[name]).median, 2),
            "per second": figure["median"],
            "spread": figure["spread"],
        }

    exploration = [row(EXPLORE, "in-process reference"), row(EXPLORE_ADAPTER, "reference adapter")]
    exhaustive = [
        row(EXHAUST, "in-process reference"),
        row(PIPELINED, f"reference adapter, pipelined (window {window})"),
        row(WINDOW_OF_ONE, "reference adapter, window of 1"),
        row(ONE_AT_A_TIME, "reference adapter, one run at a time"),
    ]
    return exploration, exhaustive


def _bound_text(bound: space.Bound) -> str:
    return (
        f"up to {bound.max_vms} VMs, {bound.max_sessions} session(s), {bound.max_injections} injections: "
        f"{space.size(bound):,} scenarios"
    )


SECTIONS = (
    ("Whole feature run", "suite"),
    ("Per-scenario cost of judging a target", "adapter"),
    ("Reference engine alone", "engine"),
    ("Property-based exploration", "exploration"),
    ("Exhaustive checking", "exhaust"),
    ("Exhaust against every shipped mutant, default bound", "mutants"),
    ("Targets", "targets"),
)


def markdown(results: dict) -> str:
    parts = [f"Measured {results['measured']} on {results['machine']}, in {results['took']}.", ""]
    if "space" in results:
        parts += [
            f"Exhaust bound: {results['space']['measured bound']}; the default bound: "
            f"{results['space']['default bound']}.",
            "",
        ]
    for title, key in SECTIONS:
        if results.get(key):
            parts += [f"### {title}", "", tabulate(results[key], headers="keys", tablefmt="github"), ""]
    return "\n".join(parts)


METHOD = (
    f"Times and rates are medians of interleaved rounds (pytest runs: {ROUNDS['suite']}, per-scenario "
    f"costs: {ROUNDS['adapter']}, explore and exhaust: {ROUNDS['checking']}); peak memory is the largest of "
    "the rounds. A ratio is the median of per-round ratios, each between two sides measured back to back, "
    "then the spread of those ratios (IQR from 5 rounds up, else min-max) and how many rounds it is of. "
    'A target reads "holds" or "missed" only when the whole spread lies on one side of it.'
)
"""How the README's figures were taken, quoted above them."""


def readme_summary(results: dict) -> str:
    """The headline figures as the README quotes them, with where they came from."""
    suite = {row["run"]: row for row in results["suite"]}
    cost = {row["target"]: row["ms per scenario"] for row in results["adapter"]}
    biggest = {
        row["chain"]: row["seconds"] for row in results["engine"] if row["VMs"] * row["sessions"] == 1_000_000
    }
    per_vm_session = [row["µs per VM-session"] for row in results["engine"]]
    explored = {row["target"]: row["per second"] for row in results["exploration"]}
    exhausted = {row["target"]: row["per second"] for row in results["exhaust"]}

    def run(name: str) -> str:
        return f"{suite[name]['seconds']:.2f} s, {suite[name]['peak MiB']:.0f} MiB peak"

    figures = [
        ("`pytest features`, in-process", run(WHOLE)),
        ("pytest's own start-up (collect only)", run(START_UP)),
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
            "property-based exploration (`retry-kit explore`)",
            ", ".join(f"{name}: {rate:,} scenarios/s" for name, rate in explored.items()),
        ),
        ("exhaust's default bound", results["space"]["default bound"]),
        (
            "exhaustive checking (`retry-kit exhaust`), default bound",
            ", ".join(f"{name}: {rate:,} scenarios/s" for name, rate in exhausted.items()),
        ),
    ]
    if results.get("mutants"):
        caught = sum(bool(row["caught by it"]) for row in results["mutants"])
        seconds = [row["seconds"] for row in results["mutants"]]
        figures.append(
            (
                "exhaust against every shipped mutant, default bound",
                f"{caught} of {len(results['mutants'])} caught by the rule they break; "
                f"{min(seconds):.0f} to {max(seconds):.0f} s per run, two runs at a time",
            )
        )
    verdicts = [
        (row["target"], row["measured"], "**missed**" if row["verdict"] == "missed" else row["verdict"])
        for row in results["targets"]
    ]
    return (
        f"`python benchmarks/run.py --readme`, {results['measured']}, {results['machine']}, "
        f"{results['took']}.\n\n"
        + METHOD
        + "\n\n"
        + tabulate(figures, headers=["measured", "figure"], tablefmt="github")
        + "\n\n"
        + tabulate(verdicts, headers=["target", "measured", "verdict"], tablefmt="github")
        + "\n"
    )


def _took(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _write(out: Path, name: str, results: dict) -> str:
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = markdown(results)
    (out / f"{name}.md").write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and few rounds, for a smoke test")
    parser.add_argument(
        "--mutants",
        action="store_true",
        help="only exhaust at the default bound against every shipped mutant (the full run includes it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="folder for the results (default: benchmarks/results)",
    )
    parser.add_argument("--readme", action="store_true", help="also rewrite the README's benchmarks block")
    args = parser.parse_args()
    if args.readme and (args.quick or args.mutants):
        parser.error("--readme quotes full runs only; drop --quick and --mutants")
    if args.quick and args.mutants:
        parser.error("--mutants judges the default bound, which --quick leaves out; use one or the other")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    measured = datetime.now(UTC).isoformat(timespec="seconds")
    if args.mutants:
        with tempfile.TemporaryDirectory() as tmp:
            mutant_rows = mutant_check(Path(tmp))
        results = {
            "measured": measured,
            "machine": _machine(),
            "took": _took(time.perf_counter() - started),
            "mutants": mutant_rows,
            "targets": mutant_targets(mutant_rows),
        }
        print(_write(args.out, "mutants", results))
        return 0
    bound = QUICK_BOUND if args.quick else space.DEFAULT
    rounds_of = QUICK_ROUNDS if args.quick else ROUNDS
    count, cost = adapter_cost(rounds=rounds_of["adapter"])
    suite, suite_rounds = suite_runs(args.out / "runs", rounds_of["suite"])
    engine_rows = engine_scaling(args.quick)
    checking, judged, window = checking_rates(bound, 50 if args.quick else 500, rounds_of["checking"])
    exploration, exhaustive = checking_rows(checking, judged, window)
    sharding: dict[str, list[float]] = {}
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            sharding = sharding_rounds(Path(tmp), rounds=2)
    mutant_rows = None
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            mutant_rows = mutant_check(Path(tmp))
    rounds = {"suite": suite_rounds, "adapter": cost, "checking": checking, "sharding": sharding}
    results = {
        "measured": measured,
        "machine": _machine(),
        "space": {"measured bound": _bound_text(bound), "default bound": _bound_text(space.DEFAULT)},
        "suite": suite,
        "adapter": [
            {"target": name, "ms per scenario": f["median"], "spread": f["spread"]}
            for name, seconds in cost.items()
            for f in [_figure([s * 1e3 for s in seconds], 3)]
        ],
        "engine": engine_rows,
        "exploration": exploration,
        "exhaust": exhaustive,
        "mutants": mutant_rows,
        "targets": [
            *targets(rounds, judged, engine_rows, args.quick),
            *sharding_targets(sharding, args.quick),
            *mutant_targets(mutant_rows),
        ],
        "rounds": {**rounds, "checking scenarios per pass": judged, "adapter distinct scenarios": count},
    }
    results["took"] = _took(time.perf_counter() - started)
    print(_write(args.out, "results", results))
    if args.readme:
        readme = ROOT / "README.md"
        write_atomically(
            readme, with_block(readme.read_text(encoding="utf-8"), "benchmarks", readme_summary(results))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
