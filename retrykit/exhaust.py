"""Judge every scenario of a small space against a target; keep the smallest failure per broken rule.

Where ``explore`` samples the space and stops at its first failure, ``exhaust`` judges all of a bounded
space (retrykit.space), so a pass means no scenario within the bound fails and a failure lists every
rule broken within it. Each scenario is judged exactly as explore judges one, through ``judge``; the
failures are grouped by the first rule they break, and each group keeps its smallest scenario (fewest
VMs, then sessions, then injections; the earliest enumerated among equals), written as a Gherkin
reproducer and scenario JSON, plus one report of all groups.

A run may be split into shards (retrykit.space.Shard) run anywhere and joined later (retrykit.combine),
or run as several local processes (``jobs``); the joined result is the unsharded run's, because each
group remembers the positions of its first and its smallest scenario in the whole space's enumeration.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from retrykit import explore, shards, space
from retrykit.catalogue import Catalogue
from retrykit.codec import scenario_to_json
from retrykit.drivers import Target, required_capabilities, run_each
from retrykit.explore import Finding
from retrykit.gherkin import feature_gherkin
from retrykit.naming import file_name
from retrykit.readings import bind
from retrykit.reference.model import Scenario
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import Readings
from retrykit.render_html import render_html
from retrykit.render_md import render_markdown
from retrykit.report import Implementation, build_report, report_json_text, write_atomically
from retrykit.results import Verdict
from retrykit.targets import open_target

ERRORS_IN_A_ROW_BEFORE_GIVING_UP = 50
"""A target that errs on this many scenarios in a row is broken, not wrong: judging the rest of the space
(possibly one timeout each) would tell nothing more."""

Progress = Callable[[int, int, bool], None]
"""Told (done, size of the space, finished) now and then, and once with finished True at the end."""

_PROGRESS_EVERY = 250

WIDEST = {"max_vms": 6, "max_sessions": 4, "retries": 6, "max_injections": 6}
"""The largest value each widening option takes: past these a space outgrows any run (the default bound
with 4 sessions alone holds 6.3 million scenarios)."""


def count_argument(highest: int) -> Callable[[str], int]:
    """An argparse type for a whole number 1..``highest``; anything else is refused with a one-line reason."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number 1..{highest}, got {text!r}") from None
        if not 1 <= value <= highest:
            raise argparse.ArgumentTypeError(f"must be 1..{highest}, got {value}")
        return value

    return parse


def group_keys(finding: Finding) -> tuple[str, ...]:
    """Every rule the finding breaks (a scenario that breaks two rules belongs to both groups);
    "difference" for a difference no rule explains, else "error"."""
    if finding.rules:
        return finding.rules
    return ("difference",) if finding.differences else ("error",)


def weight(scenario: Scenario) -> tuple[int, int, int]:
    """Smaller is simpler: VMs, sessions, then injected outcomes, stops and job-level errors."""
    injections = sum(
        len(p.outcomes) + (p.stop is not None) + len(p.job_failure_attempts) for p in scenario.sessions
    )
    return len(scenario.job.vms), len(scenario.sessions), injections


@dataclass(frozen=True)
class Group:
    key: str
    smallest: Finding
    count: int
    """How many scenarios of the space fail this way."""
    first: int = 0
    """The position (retrykit.space.positioned) of the first scenario that fails so: groups are listed
    in this order."""
    position: int = 0
    """The smallest scenario's position: of equally small ones, the earliest enumerated is kept."""


@dataclass(frozen=True)
class Exhaustion:
    space: int
    judged: int
    skipped: int
    """Scenarios needing a capability the target does not declare, or that it answered 'skipped'."""
    interpretation_differences: int
    """Scenarios that differ from the reference only on the kit's interpretations (not grouped unless
    asked to)."""
    seconds: float
    groups: tuple[Group, ...]
    gave_up: bool = False
    """The run stopped at a target that errs on everything."""

    @property
    def complete(self) -> bool:
        """False when the run gave up, or (combined) when a shard is missing."""
        return self.judged + self.skipped == self.space


def exhaust(
    target: Target,
    bound: space.Bound,
    catalogue: Catalogue,
    *,
    include_interpretations: bool = False,
    progress: Progress | None = None,
    shard: space.Shard = space.WHOLE,
    readings: Readings = DEFAULT_READINGS,
) -> Exhaustion:
    """Judge every scenario of ``bound`` (of its ``shard``) under ``readings`` (with ``catalogue`` bound
    by those declared); groups come in the order their rule first failed."""
    size = space.size(bound, shard)
    started = time.perf_counter()
    capabilities = target.identity.capabilities
    smallest: dict[str, tuple[Finding, int]] = {}
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    judged = skipped = differing = errors_in_a_row = seen = 0
    sent: deque[tuple[int, Scenario]] = deque()

    def applicable() -> Iterator[Scenario]:
        """The scenarios the target can be judged on, noted as they go out: a pipelined target reads
        ahead, and its outcomes come back in the same order."""
        nonlocal skipped, seen
        declared = readings != DEFAULT_READINGS
        for position, scenario in space.positioned(bound, shard):
            seen += 1
            if progress is not None and seen % _PROGRESS_EVERY == 0:
                progress(seen, size, False)
            if required_capabilities(scenario) <= capabilities:
                if declared:
                    scenario = replace(scenario, readings=readings)
                sent.append((position, scenario))
                yield scenario
            else:
                skipped += 1

    for outcome in run_each(target, applicable()):
        position, scenario = sent.popleft()
        finding = explore.assess(scenario, outcome, catalogue)
        if finding is not None and finding.verdict is Verdict.SKIPPED:
            skipped += 1
            continue
        judged += 1
        errors_in_a_row = errors_in_a_row + 1 if finding is not None and finding.error else 0
        if finding is None:
            continue
        if finding.verdict is Verdict.DIFFERS and not include_interpretations:
            differing += 1
            continue
        for key in group_keys(finding):
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, position)
            if key not in smallest or weight(scenario) < weight(smallest[key][0].scenario):
                smallest[key] = finding, position
        if errors_in_a_row >= ERRORS_IN_A_ROW_BEFORE_GIVING_UP:
            break
    if progress is not None:
        progress(judged + skipped, size, True)
    groups = tuple(Group(key, f, counts[key], first[key], at) for key, (f, at) in smallest.items())
    gave_up = judged + skipped < size
    return Exhaustion(size, judged, skipped, differing, time.perf_counter() - started, groups, gave_up)


def joined(parts: Sequence[Exhaustion], seconds: float) -> Exhaustion:
    """Disjoint shards' results as one: counts add up, each group keeps the smallest scenario of all
    (the earliest enumerated among equals) and groups are ordered by their first failure, as one run
    over the union would have them. ``seconds`` is what the joined run took (the shards may overlap)."""
    groups: dict[str, Group] = {}
    for group in (g for part in parts for g in part.groups):
        if (known := groups.get(group.key)) is None:
            groups[group.key] = group
            continue
        keep = min(known, group, key=lambda g: (weight(g.smallest.scenario), g.position))
        groups[group.key] = replace(
            keep, count=known.count + group.count, first=min(known.first, group.first)
        )
    return Exhaustion(
        sum(p.space for p in parts),
        sum(p.judged for p in parts),
        sum(p.skipped for p in parts),
        sum(p.interpretation_differences for p in parts),
        seconds,
        tuple(sorted(groups.values(), key=lambda g: g.first)),
        any(p.gave_up for p in parts),
    )


@dataclass(frozen=True)
class Task:
    """What every shard of a local parallel run needs to judge its part in a process of its own."""

    adapter: str | None
    timeout: float
    bound: space.Bound
    include_interpretations: bool
    readings: tuple[str, ...] = ()
    """The user's ``--reading NAME=VALUE`` options."""


def _judge(task: Task, shard: space.Shard, progress: Progress | None) -> tuple[Exhaustion, Implementation]:
    target = open_target(task.adapter, task.timeout)
    try:
        judging = shards.judging(target, task.readings)
        result = exhaust(
            target,
            task.bound,
            judging.catalogue,
            include_interpretations=task.include_interpretations,
            progress=progress,
            shard=shard,
            readings=judging.readings,
        )
    finally:
        target.close()
    return result, shards.implementation(target, task.adapter, judging.declared)


def _judge_part(task: Task, shard: space.Shard, tick: shards.Tick) -> tuple[Exhaustion, Implementation]:
    return _judge(task, shard, lambda done, _size, _finished: tick(done))


def judge(
    task: Task, shard: space.Shard = space.WHOLE, jobs: int = 1, progress: Progress | None = None
) -> tuple[Exhaustion, Implementation]:
    """Judge ``shard`` here, or as ``jobs`` sub-shards at once, one process (and one adapter) each,
    counted on one progress bar: either way the result is the shard's, as one process would find it."""
    if jobs == 1:
        return _judge(task, shard, progress)
    started = time.perf_counter()
    size = 0 if progress is None else space.size(task.bound, shard)  # the bar's length, only for a bar
    tick = None if progress is None else lambda done: progress(done, size, False)
    parts = [shard.part(space.Shard(k, jobs)) for k in range(1, jobs + 1)]
    outcomes = shards.in_parallel(partial(_judge_part, task), parts, tick)
    result = joined([r for r, _ in outcomes], time.perf_counter() - started)
    if progress is not None:
        progress(result.judged + result.skipped, result.space, True)
    return result, outcomes[0][1]


def terminal_progress(stream: TextIO = sys.stderr) -> Progress | None:
    """A one-line progress bar on ``stream`` when it is a terminal; None (no output at all) otherwise."""
    if not stream.isatty():
        return None
    started = time.perf_counter()

    def show(done: int, total: int, finished: bool) -> None:
        filled = 30 * done // max(total, 1)
        elapsed = time.perf_counter() - started
        bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} scenarios, {elapsed:.0f} s"
        stream.write("\r" + bar + ("\n" if finished else ""))
        stream.flush()

    return show


def summary_line(result: Exhaustion) -> str:
    why = ""
    if result.gave_up:
        why = " (gave up: the target errs on every scenario)"
    elif not result.complete:
        why = " (not every shard is here)"
    return f"{result.judged:,} of {result.space:,} scenarios judged in {result.seconds:.1f} s{why}"


def write(
    result: Exhaustion,
    folder: Path,
    catalogue: Catalogue,
    implementation: Implementation,
    rerun: str,
    run: shards.Run | None = None,
    problems: Sequence[str] = (),
) -> None:
    """summary.json always; with groups, per group <key>/reproducer.feature and reproducer.json, and one
    report (report.md, .html, .json) of every group's smallest scenario, built as explore builds its.
    The summary records the ``run`` (and shard) and every group's smallest finding in full, so shards
    can be combined; ``problems`` (of a combination) mark the result incomplete and are its reasons.
    The reproducers' tags and the report grade by ``catalogue`` as the implementation's readings bind it."""
    catalogue = bind(catalogue, implementation.readings)
    complete = result.complete and not problems
    results = []
    for group in result.groups:
        finding = group.smallest
        found_by = f"Found by: {rerun}\n{summary_line(result)}; {group.count:,} fail so"
        gherkin = feature_gherkin(
            finding.scenario,
            f"Smallest scenario breaking {group.key}",
            explore.rule_tags(finding, catalogue),
            comment=f"{found_by}\n{finding.summary()}",
        )
        write_atomically(folder / file_name(group.key) / "reproducer.feature", gherkin)
        document = json.dumps(scenario_to_json(finding.scenario), indent=2) + "\n"
        write_atomically(folder / file_name(group.key) / "reproducer.json", document)
        found = explore.finding_result(finding, gherkin, rerun)
        results.append(
            replace(
                found,
                nodeid=f"exhaust::{group.key}",
                feature=f"(found by exhaustive check: {summary_line(result)})",
                name=f"Smallest of {group.count:,} scenario(s) breaking {group.key}",
            )
        )
    summary = {
        "implementation": implementation.name,
        "space": result.space,
        "judged": result.judged,
        "skipped": result.skipped,
        "interpretation_differences": result.interpretation_differences,
        "seconds": round(result.seconds, 3),
        "complete": complete,
        "gave_up": result.gave_up,
        "problems": list(problems),
        "rerun": rerun,
        "run": None if run is None else shards.run_json(run),
        "groups": [
            {
                "key": g.key,
                "count": g.count,
                "verdict": g.smallest.verdict.value,
                "folder": file_name(g.key),
                "first": g.first,
                "position": g.position,
                "finding": shards.finding_json(g.smallest),
            }
            for g in result.groups
        ],
    }
    write_atomically(folder / "summary.json", json.dumps(summary, indent=2) + "\n")
    if not results:
        return
    report = build_report(
        results,
        catalogue,
        implementation,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=complete,
    )
    report["reasons"] += problems
    write_atomically(folder / "report.md", render_markdown(report))
    write_atomically(folder / "report.html", render_html(report))
    write_atomically(folder / "report.json", report_json_text(report))
