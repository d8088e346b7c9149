"""Join the shards of one run into the result one unsharded run would have had; run explore's shards.

Each shard's summary.json names its run (retrykit.shards.Run). Summaries of one run are joined only when
they agree on everything a run is made of (kit, catalogue, adapter, bound, shard count): a summary that
differs, a second copy of a shard and a shard that is not there are each named, and any of them marks
the combination incomplete, so a partial or mixed result never passes for a whole one. The run chosen
is the one most summaries name (the first given on a tie).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from retrykit import __version__, shards
from retrykit.errors import KitUsageError
from retrykit.exhaust import Exhaustion, Group, joined, weight
from retrykit.explore import Exploration, explore, shard_search
from retrykit.report import Implementation
from retrykit.shards import Run, catalogue_digest, exploration_from_json, finding_from_json, run_from_json
from retrykit.space import WHOLE, Shard
from retrykit.targets import open_target

Json = dict[str, Any]
SUMMARY = "summary.json"


@dataclass(frozen=True)
class Part:
    folder: Path
    run: Run
    summary: Json


@dataclass(frozen=True)
class Combination:
    run: Run
    """The run joined, with no shard of its own."""
    parts: tuple[Part, ...]
    """One per shard present, in shard order."""
    problems: tuple[str, ...]
    """Each missing, duplicated, foreign or incomplete shard, in words; none for a complete join."""


def read_part(folder: Path) -> Part:
    """A shard's summary; anything that is not one is refused in one line."""
    path = folder / SUMMARY
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        return Part(folder, run_from_json(summary["run"]), summary)
    except FileNotFoundError:
        raise KitUsageError(f"{folder}: no {SUMMARY} (not the output folder of a shard)") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise KitUsageError(f"{path}: not the summary of a shard ({type(error).__name__}: {error})") from None


def _differences(run: Run, chosen: Run) -> list[str]:
    mine, theirs = run.agreement(), chosen.agreement()
    return [key for key in mine if mine[key] != theirs[key]]


def combine(folders: Sequence[Path]) -> Combination:
    """The shards of the run most folders hold, checked, in shard order."""
    if not folders:
        raise KitUsageError("give the output folders of the shards to combine")
    parts = [read_part(folder) for folder in folders]
    sharded = [p for p in parts if p.run.shard is not None]
    problems = [f"{p.folder} is a combination, not a shard" for p in parts if p.run.shard is None]
    if not sharded:
        raise KitUsageError("none of these folders holds a shard")
    [(chosen_id, _)] = Counter(p.run.id for p in sharded).most_common(1)
    chosen = next(p.run for p in sharded if p.run.id == chosen_id)
    if (chosen.kit, chosen.catalogue) != (__version__, catalogue_digest()):
        raise KitUsageError(
            f"run {chosen.id} was judged by kit {chosen.kit} with catalogue {chosen.catalogue}; combine it "
            "with that kit and catalogue"
        )
    assert chosen.shard is not None
    kept: dict[int, Part] = {}
    for part in sharded:
        assert part.run.shard is not None
        index, differs = part.run.shard.index, _differences(part.run, chosen)
        if differs:
            problems.append(
                f"foreign shard: {part.folder} (shard {part.run.shard} of run {part.run.id}) differs from "
                f"run {chosen.id} in {', '.join(differs)}; left out"
            )
        elif index in kept:
            problems.append(
                f"duplicated shard {part.run.shard}: {part.folder} repeats {kept[index].folder}; "
                "the first is kept"
            )
        else:
            kept[index] = part
    count = chosen.shard.count
    problems += [
        f"missing shard {k}/{count} of run {chosen.id}" for k in range(1, count + 1) if k not in kept
    ]
    problems += [
        f"shard {p.run.shard} ({p.folder}) is itself incomplete"
        for p in kept.values()
        if not p.summary["complete"]
    ]
    ordered = tuple(kept[k] for k in sorted(kept))
    return Combination(replace(chosen, shard=None), ordered, tuple(problems))


def _exhaustion(summary: Json) -> Exhaustion:
    groups = tuple(
        Group(g["key"], finding_from_json(g["finding"]), g["count"], g["first"], g["position"])
        for g in summary["groups"]
    )
    return Exhaustion(
        summary["space"],
        summary["judged"],
        summary["skipped"],
        summary["interpretation_differences"],
        summary["seconds"],
        groups,
        summary["gave_up"],
    )


def exhaustion(combination: Combination) -> Exhaustion:
    """The exhaust shards' results as one, out of the whole space (the run's bound records its size,
    so a missing shard shows in the count too); its time is the shards' own, added up."""
    parts = [_exhaustion(p.summary) for p in combination.parts]
    whole = combination.run.bound["scenarios"]
    return replace(joined(parts, sum(p.seconds for p in parts)), space=whole)


def exploration(combination: Combination) -> tuple[Exploration, str]:
    """The explore shards' searches as one, and the command that reruns the shard whose finding it keeps
    (the whole run's when nothing was found)."""
    states = [exploration_from_json(p.summary["search"]) for p in combination.parts]
    state = joined_explorations(states)
    reruns = [
        p.summary["rerun"]
        for p, s in zip(combination.parts, states, strict=True)
        if s.finding is not None and s.finding == state.finding
    ]
    return state, reruns[0] if reruns else combination.run.command


@dataclass(frozen=True)
class Search:
    """What every shard of an explore run needs to search its part in a process of its own."""

    adapter: str | None
    timeout: float
    examples: int
    seed: int | None
    include_interpretations: bool
    max_vms: int
    max_sessions: int
    readings: tuple[str, ...] = ()
    """The user's ``--reading NAME=VALUE`` options."""


def _search(
    search: Search, shard: Shard, _tick: shards.Tick | None = None
) -> tuple[Exploration, Implementation]:
    examples, seed = shard_search(search.examples, search.seed, shard)
    target = open_target(search.adapter, search.timeout)
    try:
        judging = shards.judging(target, search.readings)
        state = explore(
            target,
            judging.catalogue,
            examples=examples,
            seed=seed,
            include_interpretations=search.include_interpretations,
            max_vms=search.max_vms,
            max_sessions=search.max_sessions,
            readings=judging.readings,
        )
    finally:
        target.close()
    return state, shards.implementation(target, search.adapter, judging.declared)


def search_shard(search: Search, shard: Shard = WHOLE, jobs: int = 1) -> tuple[Exploration, Implementation]:
    """Search ``shard`` here, or as ``jobs`` sub-shards at once, one process (and adapter) each."""
    if jobs == 1:
        return _search(search, shard)
    parts = [shard.part(Shard(k, jobs)) for k in range(1, jobs + 1)]
    outcomes = shards.in_parallel(partial(_search, search), parts)
    return joined_explorations([state for state, _ in outcomes]), outcomes[0][1]


def joined_explorations(parts: Sequence[Exploration]) -> Exploration:
    """Shards' searches as one: counts add up and the finding is the smallest of theirs (the earliest
    shard's among equals), as a search that tried all their scenarios would shrink towards."""
    found = [p.finding for p in parts if p.finding is not None]
    differing = [p.first_interpretation_difference for p in parts if p.first_interpretation_difference]
    return Exploration(
        examples=sum(p.examples for p in parts),
        not_applicable=sum(p.not_applicable for p in parts),
        target_skipped=sum(p.target_skipped for p in parts),
        interpretation_differences=sum(p.interpretation_differences for p in parts),
        first_interpretation_difference=differing[0] if differing else None,
        unreproduced=[f for p in parts for f in p.unreproduced],
        finding=min(found, key=lambda f: weight(f.scenario)) if found else None,
    )
