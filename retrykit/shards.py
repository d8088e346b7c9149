"""One run in several parts: what a part records so the parts can be joined, and parts run side by side.

A run of ``exhaust`` or ``explore`` split with ``--shard K/N`` may run anywhere (a CI matrix, a batch
system, several hosts); ``retry-kit combine`` joins the parts later, with nothing but their summaries.
So each part's summary carries the run it belongs to (``Run``): an id the parts share, the part, and
everything the parts must agree on to be one run (kit, catalogue, adapter, bound), and each finding in
full (``finding_json``), since the combining machine may have neither the adapter nor the time to run
anything again. ``-j N`` runs the parts of a run in local processes instead (``in_parallel``).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from retrykit import __version__
from retrykit.adapter import AdapterTarget
from retrykit.catalogue import Catalogue, load_catalogue
from retrykit.codec import scenario_from_json, scenario_to_json, trace_from_json, trace_to_json
from retrykit.drivers import Target
from retrykit.explore import Exploration, Finding
from retrykit.oracles import Violation
from retrykit.paths import CATALOGUE
from retrykit.readings import active, bind, declared, parse_options
from retrykit.reference.readings import Readings
from retrykit.report import Implementation
from retrykit.results import Verdict
from retrykit.space import Bound, Shard

Json = dict[str, Any]
R = TypeVar("R")

Tick = Callable[[int], None]
"""Told how far a part has got (scenarios seen), now and then."""


def catalogue_digest(path: Path = CATALOGUE) -> str:
    """The catalogue a run judged by, as a hash of its file: parts judged by different rules differ."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def bound_json(bound: Bound) -> Json:
    return json.loads(json.dumps(asdict(bound)))


@dataclass(frozen=True)
class Judging:
    """What a run judges its target by, once its hello is in: the readings declared (by the hello, or by
    the user with ``--reading``, who speaks for the product), the readings its scenarios run under, and
    the catalogue those declarations bind, as the feature run judges."""

    declared: Mapping[str, str]
    readings: Readings
    catalogue: Catalogue


def judging(target: Target, reading_options: Sequence[str]) -> Judging:
    chosen = declared(target.identity.readings, parse_options(reading_options))
    return Judging(chosen, active(chosen), bind(load_catalogue(), chosen))


def implementation(target: Target, command: str | None, readings: Mapping[str, str]) -> Implementation:
    """Who was judged: the target's hello, the command line that started it and the readings declared."""
    protocol = target.protocol if isinstance(target, AdapterTarget) else ""
    return Implementation(
        target.identity.name, target.identity.version, protocol, command or "", readings=dict(readings)
    )


@dataclass(frozen=True)
class Run:
    """The run a part belongs to. ``bound`` is the space (exhaust) or the search (explore), ``command``
    the whole run's command line (without --shard), for reruns and reproducers."""

    kind: str
    id: str
    shard: Shard | None
    """None for the combination of all shards (retrykit.combine)."""
    kit: str
    catalogue: str
    adapter: Implementation
    bound: Json
    command: str

    def agreement(self) -> Json:
        """What every part of one run holds alike; a part that differs here belongs to another run."""
        adapter = {k: getattr(self.adapter, k) for k in ("name", "version", "command", "readings")}
        return {
            "kind": self.kind,
            "id": self.id,
            "shards": None if self.shard is None else self.shard.count,
            "kit": self.kit,
            "catalogue": self.catalogue,
            "adapter": adapter,
            "bound": self.bound,
        }


def default_run_id(kind: str, bound: Json, count: int, command: str | None) -> str:
    """Derived from what the parts share, so parts started separately (with the same options) agree;
    --run-id sets one (a CI run number) when reruns of the same options must not mix."""
    text = json.dumps(
        {"kind": kind, "bound": bound, "shards": count, "adapter": command or ""}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def new_run(
    kind: str, run_id: str | None, shard: Shard, adapter: Implementation, bound: Json, command: str
) -> Run:
    """This part's run: the kit and catalogue are this checkout's."""
    chosen = run_id or default_run_id(kind, bound, shard.count, adapter.command)
    return Run(kind, chosen, shard, __version__, catalogue_digest(), adapter, bound, command)


def run_json(run: Run) -> Json:
    return {
        "kind": run.kind,
        "id": run.id,
        "shard": None if run.shard is None else {"index": run.shard.index, "count": run.shard.count},
        "kit": run.kit,
        "catalogue": run.catalogue,
        "adapter": asdict(run.adapter),
        "bound": run.bound,
        "command": run.command,
    }


def run_from_json(data: Json) -> Run:
    shard = None if data["shard"] is None else Shard(data["shard"]["index"], data["shard"]["count"])
    adapter = Implementation(**data["adapter"])
    return Run(
        data["kind"],
        data["id"],
        shard,
        data["kit"],
        data["catalogue"],
        adapter,
        data["bound"],
        data["command"],
    )


def finding_json(finding: Finding) -> Json:
    return {
        "scenario": scenario_to_json(finding.scenario),
        "verdict": finding.verdict.value,
        "violations": [asdict(v) for v in finding.violations],
        "differences": list(finding.differences),
        "error": finding.error,
        "error_kind": finding.error_kind,
        "trace": None if finding.trace is None else trace_to_json(finding.trace),
    }


def finding_from_json(data: Json) -> Finding:
    return Finding(
        scenario_from_json(data["scenario"]),
        Verdict(data["verdict"]),
        tuple(Violation(**v) for v in data["violations"]),
        tuple(data["differences"]),
        data["error"],
        data["error_kind"],
        None if data["trace"] is None else trace_from_json(data["trace"]),
    )


def _work(task: Callable[[Shard, Tick], R], shard: Shard, slot: int, seen: Any, results: Any) -> None:
    def tick(done: int) -> None:
        seen[slot] = done

    try:
        results.put((slot, True, task(shard, tick)))
    except BaseException:
        results.put((slot, False, traceback.format_exc()))


POLL_SECONDS = 0.2


def in_parallel(
    task: Callable[[Shard, Tick], R], shards: Sequence[Shard], tick: Tick | None = None
) -> list[R]:
    """``task`` over each shard, each in a process of its own (spawned: no adapter pipe or thread of this
    process is inherited), results in the shards' order; ``tick`` hears the sum of their progress.
    ``task`` must be picklable: a module-level function or a partial of one."""
    context = multiprocessing.get_context("spawn")
    seen = context.Array("q", len(shards), lock=False)
    results = context.Queue()
    workers = [
        context.Process(target=_work, args=(task, shard, slot, seen, results), daemon=True)
        for slot, shard in enumerate(shards)
    ]
    for worker in workers:
        worker.start()
    done: dict[int, R] = {}
    try:
        while len(done) < len(workers):
            try:
                slot, ok, value = results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                dead = [s for s, w in enumerate(workers) if s not in done and w.exitcode not in (None, 0)]
                if dead:
                    status = workers[dead[0]].exitcode
                    raise RuntimeError(
                        f"the worker of shard {shards[dead[0]]} ended (exit status {status}) without a result"
                    ) from None
            else:
                if not ok:
                    raise RuntimeError(f"the worker of shard {shards[slot]} failed:\n{value}")
                done[slot] = value
            if tick is not None:
                tick(sum(seen))
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return [done[slot] for slot in range(len(workers))]


def exploration_json(state: Exploration) -> Json:
    def finding(found: Finding | None) -> Json | None:
        return None if found is None else finding_json(found)

    return {
        "examples": state.examples,
        "not_applicable": state.not_applicable,
        "target_skipped": state.target_skipped,
        "interpretation_differences": state.interpretation_differences,
        "first_interpretation_difference": finding(state.first_interpretation_difference),
        "unreproduced": [finding_json(f) for f in state.unreproduced],
        "finding": finding(state.finding),
    }


def exploration_from_json(data: Json) -> Exploration:
    def finding(found: Json | None) -> Finding | None:
        return None if found is None else finding_from_json(found)

    return Exploration(
        examples=data["examples"],
        not_applicable=data["not_applicable"],
        target_skipped=data["target_skipped"],
        interpretation_differences=data["interpretation_differences"],
        first_interpretation_difference=finding(data["first_interpretation_difference"]),
        unreproduced=[finding_from_json(f) for f in data["unreproduced"]],
        finding=finding(data["finding"]),
    )
