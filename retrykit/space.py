"""Every distinct scenario within a small bound, for exhaustive checking (the small-scope hypothesis).

Most defects of a retry implementation show on small jobs with few failures, so instead of sampling
(``retry-kit explore``) the kit can judge *every* scenario of a small space. What is enumerated, and why
that is still every scenario that can tell an implementation from the reference:

* **Jobs.** 1..``max_vms`` VMs named "VM 1".."VM n" in job order (the steps' naming), each retry
  setting and chain format of the bound, forward incremental; 1..``max_sessions`` sessions, each with
  each trigger of the bound.
* **Only live injections.** An injection (a task outcome, a stop, a job-level error) says what happens
  *when* that task or attempt runs, so one is listed only where the page's runs reach it: an outcome
  on an attempt that runs that VM, a stop or job-level error on an attempt that runs. A manual session
  injects on attempt 1 only, a VM that succeeded or warned gets nothing later, nothing follows a stop.
  This is sound for the differential check: a target that never runs a dead cell behaves alike with
  or without it; one that runs it runs a task or attempt the reference does not, and up to that run it
  cannot tell the scenario from the one without the dead cell, which therefore already shows the
  difference. SUCCESS is never injected: a run that is not injected succeeds. The literal space
  (any outcome on any attempt up to 1 + the retry count) of the default bound holds tens of millions
  of scenarios; the live one holds some 117,000.
* **A budget of injections.** At most ``max_injections`` injections per scenario over all its
  sessions, of which at most ``max_stops`` stops and ``max_job_failures`` job-level errors: small scope
  means few perturbations, whatever the job's size.
* **Stops.** During attempt k after t tasks, 0 <= t < n VMs and t <= the attempt's task count (a stop
  after more tasks than the attempt runs is the same stop).
* **Stop modes.** Each stop is immediate or graceful (Manual Stop of Backup Jobs): a graceful one may
  also land once every task of the attempt has started, which the immediate one cannot tell apart.
* **The Retry command.** A session after the first may be started by the manual Retry command
  (Retrying Jobs): it runs what the session before it left, or is refused. Like a manual session it
  injects on attempt 1 only (the kit's reading: a Retry run is not retried automatically).
* **Job settings of the related pages.** Besides the plain job, each of ``extras`` (a wait between
  retries, a continuous schedule, notifications with and without suppression, a post-job script and a
  chained job) on jobs of at most ``extras_max_vms`` VMs: their rules show on one VM that fails and is
  retried, and a copy of the whole space per setting would multiply its size.
* **VM order symmetry.** Without a stop the page never looks at job order (JR.ORDER only says which
  tasks a stop leaves unprocessed), so permuting the VMs gives an equivalent scenario: only the one
  whose per-VM signatures (a VM's injected outcomes in every session) are in non-decreasing order is
  yielded. With a stop, order is observable and every order is yielded. This assumes a target treats
  VMs alike but for their order; ``Bound(symmetry=False)`` yields every order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

from retrykit.naming import vm_name
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    Notifications,
    RetrySettings,
    Scenario,
    SessionPlan,
    StopMode,
    TaskResult,
    Trigger,
)

JOB_NAME = "Backup Job 1"


def retry_settings(max_custom: int) -> tuple[RetrySettings, ...]:
    """The default setting, retry switched off, and custom counts 0..``max_custom``."""
    custom = tuple(RetrySettings(count=c) for c in range(max_custom + 1))
    return (RetrySettings(), RetrySettings(enabled=False), *custom)


CUSTOM_RETRIES = 1
"""The default bound's custom retry counts are 0..1: one retry is enough to see a count obeyed."""


@dataclass(frozen=True)
class JobExtras:
    """Job settings from the related pages (retrykit.reference.related); the default is a plain job."""

    wait_minutes: int | None = None
    continuous_schedule: bool = False
    notifications: Notifications | None = None
    post_job_script: bool = False
    chained_job: bool = False

    def job(
        self, vms: tuple[str, ...], chain_format: ChainFormat, retry: RetrySettings, name: str = JOB_NAME
    ) -> Job:
        return Job(
            name,
            vms,
            chain_format,
            retry=RetrySettings(retry.enabled, retry.count, self.wait_minutes),
            continuous_schedule=self.continuous_schedule,
            notifications=self.notifications,
            post_job_script=self.post_job_script,
            chained_job=self.chained_job,
        )


PLAIN = JobExtras()
EXTRAS = (
    JobExtras(wait_minutes=10),
    JobExtras(wait_minutes=10, continuous_schedule=True),
    JobExtras(notifications=Notifications(suppress_until_last_retry=True)),
    JobExtras(notifications=Notifications(suppress_until_last_retry=False)),
    JobExtras(post_job_script=True, chained_job=True),
)
"""One job per rule family of the related pages: JR.WAIT.BETWEEN, JR.WAIT.CONTINUOUS (with a wait set, which
a continuous schedule overrides), JR.NOTIFY.* with and without suppression, JR.AFTER-JOB.*."""


@dataclass(frozen=True)
class Bound:
    """The scope of an exhaustive check; the budgets count over all sessions of a scenario."""

    max_vms: int = 3
    max_sessions: int = 2
    retries: tuple[RetrySettings, ...] = retry_settings(CUSTOM_RETRIES)
    results: tuple[TaskResult, ...] = (TaskResult.WARNING, TaskResult.FAILED)
    """What an injected outcome may be."""
    triggers: tuple[Trigger, ...] = (Trigger.SCHEDULED, Trigger.MANUAL, Trigger.RETRY)
    """A Retry-command session is never the first: with no session before it, it is always refused."""
    chain_formats: tuple[ChainFormat, ...] = (ChainFormat.PER_MACHINE, ChainFormat.SINGLE_FILE)
    max_injections: int = 4
    max_stops: int = 1
    max_job_failures: int = 1
    stop_modes: tuple[StopMode, ...] = (StopMode.IMMEDIATE, StopMode.GRACEFUL)
    later_max_vms: int = 2
    """Graceful stops and Retry-command sessions only on jobs of at most this many VMs."""
    extras: tuple[JobExtras, ...] = EXTRAS
    """Job settings of the related pages enumerated besides the plain job, on the smallest jobs only."""
    extras_max_vms: int = 1
    symmetry: bool = True

    def __post_init__(self) -> None:
        if self.max_vms < 1 or self.max_sessions < 1:
            raise ValueError(f"a bound needs at least one VM and one session, got {self}")
        if min(self.max_injections, self.max_stops, self.max_job_failures) < 0:
            raise ValueError(f"budgets must be 0 or more, got {self}")
        if TaskResult.SUCCESS in self.results:
            raise ValueError("SUCCESS is never injected: a run that is not injected succeeds")
        if not (self.retries and self.chain_formats and set(self.triggers) - {Trigger.RETRY}):
            raise ValueError(
                f"a bound needs a retry setting, a chain format and a trigger besides Retry, got {self}"
            )
        if self.max_stops and not self.stop_modes:
            raise ValueError(f"a bound with stops needs a stop mode, got {self}")


DEFAULT = Bound()
"""Up to 3 VMs and 2 sessions; retry default (3), off, 0 or 1; warnings and failures; scheduled and
manual sessions, and a second session by the Retry command; both chain formats; at most 4 injections, of
them 1 stop (immediate, or graceful on up to 2 VMs) and 1 job-level error; on 1 VM, each job setting of the
related pages: 117,380 scenarios. Room for every shipped mutant's defect (a VM failing all 4 attempts of
the default setting, a VM left over for the next session or a Retry), small enough to judge in about 21 s
in-process and 26 s through the reference adapter (2 cores; `retry-kit exhaust`, with and without
``--adapter "python adapters/reference_adapter.py"``)."""

Cost = tuple[int, int, int]
"""(injections, stops, job-level errors) of a session; injections count the other two as well."""

Signature = tuple[tuple[int, str], ...]
"""A VM's injected (attempt, result) pairs in one session, in attempt order."""

_Ending = tuple[tuple[InjectedOutcome, ...], ManualStop | None, frozenset[int]]
"""A session's injected outcomes, stop and job-level errors."""

_End = tuple[_Ending, tuple[str, ...], bool]
"""A session's injections, the VMs it leaves unprocessed, and whether its last attempt had a job-level
error."""


@dataclass(frozen=True)
class _Draft:
    """One live session plan with each VM's signature (for the symmetry reduction), and how the session
    ends (for a Retry-command session after it): whether it fails and which VMs it leaves."""

    plan: SessionPlan
    signatures: tuple[Signature, ...]
    failed: bool = False
    leaves: frozenset[str] = frozenset()


def _injected(
    running: tuple[str, ...], attempt: int, bound: Bound, at_most: int
) -> Iterator[tuple[InjectedOutcome, ...]]:
    """Every assignment of at most ``at_most`` non-success results to the tasks of one attempt."""
    for count in range(min(at_most, len(running)) + 1):
        for chosen in itertools.combinations(running, count):
            for results in itertools.product(bound.results, repeat=count):
                yield tuple(InjectedOutcome(vm, attempt, r) for vm, r in zip(chosen, results, strict=True))


def _walk(
    vms: tuple[str, ...],
    attempts: int,
    bound: Bound,
    attempt: int,
    pending: tuple[str, ...],
    so_far: _Ending,
    modes: tuple[StopMode, ...],
    trigger: Trigger,
) -> Iterator[_End]:
    """Every live way a session goes on from ``attempt``, by the page's rules: a retry runs the
    unprocessed tasks (JR.SCOPE.FAILED-ONLY) while any remain, nobody stopped and retries are left."""
    outcomes, _, failures = so_far
    spent = len(outcomes) + len(failures)
    stops: list[ManualStop | None] = [None]
    if bound.max_stops and spent < bound.max_injections:
        for mode in modes:
            # A graceful stop once every task has started is still a stop (the session is not retried).
            last = len(pending) if mode is StopMode.GRACEFUL else min(len(pending), len(vms) - 1)
            stops += [ManualStop(attempt, t, mode) for t in range(last + 1)]
    for stop in stops:
        # A Retry-command session runs the VMs the session before it left, so which of them a stop lets
        # run is known only then (_live_retries): its drafts inject on every VM, stop or not.
        cut = stop is not None and trigger is not Trigger.RETRY
        running = pending[: stop.after_tasks] if cut and stop is not None else pending
        budget = bound.max_injections - spent - (stop is not None)
        for now in _injected(running, attempt, bound, budget):
            failed = {o.vm for o in now if o.result is TaskResult.FAILED}
            left = tuple(vm for vm in pending if vm in failed or vm not in running)
            can_fail = len(failures) < bound.max_job_failures and len(now) < budget
            for failing in (False, True)[: 1 + can_fail]:
                ending = (outcomes + now, stop, failures | {attempt} if failing else failures)
                if stop is not None or not left or attempt == attempts:
                    yield ending, left, failing
                else:
                    yield from _walk(vms, attempts, bound, attempt + 1, left, ending, modes, trigger)


@cache
def _drafts(vm_count: int, attempts: int, trigger: Trigger, bound: Bound) -> dict[Cost, tuple[_Draft, ...]]:
    """Every live plan of one session, by cost; ``attempts`` is 1 + the retries the page allows."""
    vms = tuple(vm_name(k) for k in range(1, vm_count + 1))
    modes = bound.stop_modes
    by_cost: dict[Cost, list[_Draft]] = {}
    for (outcomes, stop, failures), left, failing in _walk(
        vms, attempts, bound, 1, vms, ((), None, frozenset()), modes, trigger
    ):
        listed = tuple(sorted(outcomes, key=lambda o: (vms.index(o.vm), o.attempt)))
        signatures = tuple(tuple((o.attempt, o.result.value) for o in listed if o.vm == vm) for vm in vms)
        stops = int(stop is not None)
        cost = (len(listed) + stops + len(failures), stops, len(failures))
        # The kit's default readings: a stop fails the session, and so does the last attempt's job error.
        failed = stop is not None or failing or bool(left)
        draft = _Draft(SessionPlan(trigger, listed, stop, failures), signatures, failed, frozenset(left))
        by_cost.setdefault(cost, []).append(draft)
    return {cost: tuple(drafts) for cost, drafts in by_cost.items()}


def _attempts(retry: RetrySettings, trigger: Trigger) -> int:
    """JR.COUNT.*, JR.MANUAL.START: the initial run and the retries the page allows this session (none for a
    manual or a Retry-command session)."""
    return 1 + (retry.effective_count if trigger is Trigger.SCHEDULED else 0)


@cache
def _within(bound: Bound, vm_count: int, settings: JobExtras) -> Bound:
    """The bound a job is enumerated in: graceful stops and Retry-command sessions only up to
    ``later_max_vms`` VMs and only for a plain job (the related pages' job settings are seen on sessions
    that fail and are retried, not stopped)."""
    if vm_count <= bound.later_max_vms and settings == PLAIN:
        return bound
    return replace(
        bound,
        stop_modes=tuple(m for m in bound.stop_modes if m is StopMode.IMMEDIATE),
        triggers=tuple(t for t in bound.triggers if t is not Trigger.RETRY),
    )


def _session_triggers(bound: Bound, count: int) -> Iterator[tuple[Trigger, ...]]:
    """The triggers of ``count`` sessions; the first is never a Retry-command session."""
    first = [t for t in bound.triggers if t is not Trigger.RETRY]
    for head in first:
        for rest in itertools.product(bound.triggers, repeat=count - 1):
            yield (head, *rest)


Buckets = tuple[tuple[_Draft, ...], ...]
"""Drafts to choose from, one bucket per session; all drafts of a bucket cost the same."""


def _buckets(tables: list[dict[Cost, tuple[_Draft, ...]]], budget: Cost) -> Iterator[Buckets]:
    """One bucket of drafts per session, for every choice of costs that stays within ``budget``."""
    if not tables:
        yield ()
        return
    for cost, drafts in tables[0].items():
        left = (budget[0] - cost[0], budget[1] - cost[1], budget[2] - cost[2])
        if min(left) >= 0:
            for rest in _buckets(tables[1:], left):
                yield (drafts, *rest)


def _ordered(drafts: tuple[_Draft, ...], vm_count: int) -> bool:
    """The representative of its VM permutations: signatures, over all sessions, non-decreasing."""
    signatures = [tuple(d.signatures[k] for d in drafts) for k in range(vm_count)]
    return all(a <= b for a, b in itertools.pairwise(signatures))


def _jobs(bound: Bound) -> Iterator[tuple[Job, tuple[Buckets, ...]]]:
    """Each job of the bound, with the buckets its scenarios are drawn from, in a fixed order."""
    budget = (bound.max_injections, bound.max_stops, bound.max_job_failures)
    for vm_count in range(1, bound.max_vms + 1):
        vms = tuple(vm_name(k) for k in range(1, vm_count + 1))
        extras = (PLAIN, *bound.extras) if vm_count <= bound.extras_max_vms else (PLAIN,)
        for settings, retry, chain_format in itertools.product(extras, bound.retries, bound.chain_formats):
            within = _within(bound, vm_count, settings)
            choices: list[Buckets] = []
            for count in range(1, bound.max_sessions + 1):
                for triggers in _session_triggers(within, count):
                    tables = [_drafts(vm_count, _attempts(retry, t), t, within) for t in triggers]
                    choices += _buckets(tables, budget)
            yield settings.job(vms, chain_format, retry), tuple(choices)


def _reduced(bound: Bound, buckets: Buckets) -> bool:
    """Whether the symmetry reduction applies to these buckets: on, and no session stops."""
    return bound.symmetry and all(d.plan.stop is None for d in (bucket[0] for bucket in buckets))


def _retrying(buckets: Buckets) -> bool:
    return any(bucket[0].plan.trigger is Trigger.RETRY for bucket in buckets)


def _live_retries(drafts: tuple[_Draft, ...], vms: tuple[str, ...]) -> bool:
    """Whether each Retry-command session injects only where it runs (Retrying Jobs): nothing when it is
    refused (the session before it that ran did not fail), else only on the VMs that session left, and a
    stop after no more tasks than it runs. Its drafts were walked as if every VM ran."""
    failed, leaves = False, frozenset[str]()
    for draft in drafts:
        plan = draft.plan
        if plan.trigger is not Trigger.RETRY:
            failed, leaves = draft.failed, draft.leaves
            continue
        if not failed:
            if plan.outcomes or plan.stop is not None or plan.job_failure_attempts:
                return False
            continue
        scope = tuple(vm for vm in vms if vm in leaves)
        running = scope
        if plan.stop is not None:
            graceful = plan.stop.mode is StopMode.GRACEFUL
            if plan.stop.after_tasks > (len(scope) if graceful else min(len(scope), len(vms) - 1)):
                return False
            running = scope[: plan.stop.after_tasks]
        if any(o.vm not in running for o in plan.outcomes):
            return False
        failing = {o.vm for o in plan.outcomes if o.result is TaskResult.FAILED}
        left = frozenset(vm for vm in scope if vm in failing or vm not in running)
        failed, leaves = plan.stop is not None or 1 in plan.job_failure_attempts or bool(left), left
    return True


@dataclass(frozen=True)
class Shard:
    """Part ``index`` of ``count`` (1-based) of a space, so that several runs judge it together.

    Every choice of drafts, kept or not by the symmetry reduction, has a position in the enumeration;
    the scenario at position p belongs to part p mod count + 1. Dealing positions round-robin keeps the
    parts within a fraction of a percent of each other in size and cost (small and large jobs alike), and
    a part skips the others' positions inside itertools.product, without building or checking their
    scenarios."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"a shard is K/N with 1 <= K <= N, got {self.index}/{self.count}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N``, as --shard takes it."""
        index, _, count = text.partition("/")
        try:
            return cls(int(index), int(count))
        except ValueError:
            raise ValueError(f"expected K/N with 1 <= K <= N (e.g. 2/3), got {text!r}") from None

    def part(self, within: Shard) -> Shard:
        """Part ``within.index`` of ``within.count`` of this shard, itself a shard of the whole space:
        positions p mod count*n == index-1 + count*(k-1), over k = 1..n, are exactly this shard's."""
        return Shard(self.index + self.count * (within.index - 1), self.count * within.count)


WHOLE = Shard()


def _units(bound: Bound, shard: Shard) -> Iterator[tuple[Job, Buckets, range]]:
    """Each job and buckets with the shard's indexes into the buckets' product; a unit's positions
    follow the last unit's, every choice of drafts counted."""
    position = 0
    for job, choices in _jobs(bound):
        for buckets in choices:
            count = math.prod(len(bucket) for bucket in buckets)
            yield job, buckets, range((shard.index - 1 - position) % shard.count, count, shard.count)
            position += count


def _picks(buckets: Buckets, indexes: range) -> Iterator[tuple[_Draft, ...]]:
    return itertools.islice(itertools.product(*buckets), indexes.start, None, indexes.step)


def positioned(bound: Bound = DEFAULT, shard: Shard = WHOLE) -> Iterator[tuple[int, Scenario]]:
    """The shard's scenarios with their positions, in enumeration order: a position orders scenarios
    across shards as one run would enumerate them (exhaust breaks ties between equally small ones so)."""
    position = 0
    for job, buckets, indexes in _units(bound, shard):
        reduced, retrying = _reduced(bound, buckets), _retrying(buckets)
        for index, drafts in zip(indexes, _picks(buckets, indexes), strict=True):
            if (not reduced or _ordered(drafts, len(job.vms))) and (
                not retrying or _live_retries(drafts, job.vms)
            ):
                yield position + index, Scenario(job, tuple(d.plan for d in drafts))
        position += indexes.stop


def scenarios(bound: Bound = DEFAULT, shard: Shard = WHOLE) -> Iterator[Scenario]:
    """Every scenario of the space (or of one shard of it) exactly once."""
    return (scenario for _, scenario in positioned(bound, shard))


def size(bound: Bound = DEFAULT, shard: Shard = WHOLE) -> int:
    """How many scenarios ``scenarios(bound, shard)`` yields: buckets without the reduction or a Retry
    session are counted, only those with one are walked (without building scenarios)."""
    total = 0
    for job, buckets, indexes in _units(bound, shard):
        reduced, retrying = _reduced(bound, buckets), _retrying(buckets)
        if not (reduced or retrying):
            total += len(indexes)
            continue
        total += sum(
            (not reduced or _ordered(drafts, len(job.vms)))
            and (not retrying or _live_retries(drafts, job.vms))
            for drafts in _picks(buckets, indexes)
        )
    return total
