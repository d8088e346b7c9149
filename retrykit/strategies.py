"""Hypothesis strategies for valid scenarios over the whole contract of the "Job Retry" page.

Why: the worked examples and the feature files pin down single points; the page's rules are
statements about *every* job, so the kit also checks them over generated scenarios (engine
properties, and the exploration of a target). One set of strategies serves both, so what is
generated is exactly what the scenario schema and the step vocabulary can express:

* VMs are named "VM 1".."VM n" in job order (the feature steps' naming, see ``retrykit.naming``);
* every chain format, retry setting (default, custom count, switched off), trigger, manual stop and
  job-level failure the model knows is drawn, each from a strategy that can be reused on its own;
* injected outcomes only name attempts that can run (1 + the job's effective retry count), never
  twice for one VM and attempt, and lean towards failures so that retries really happen.

Every scenario produced survives ``scenario_from_json(scenario_to_json(s))`` unchanged.
"""

from __future__ import annotations

import functools
from dataclasses import fields

from hypothesis import strategies as st

from retrykit.naming import vm_name
from retrykit.reference.model import (
    BackupMethod,
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    RetrySettings,
    Scenario,
    SessionPlan,
    StopMode,
    TaskResult,
    Trigger,
)
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import Readings

MAX_CUSTOM_RETRIES = 6
"""Custom retry counts are drawn from 0..6: past the default of 3, and still cheap to run."""

_RESULTS: tuple[TaskResult | None, ...] = (
    None,
    None,
    TaskResult.FAILED,
    TaskResult.FAILED,
    TaskResult.FAILED,
    TaskResult.WARNING,
    TaskResult.SUCCESS,
)
"""One injected cell: None injects nothing (the run succeeds). Failures weigh 3 in 7, so a VM usually
needs a retry or two, yet seldom fails every attempt by chance; ``vm_outcomes`` adds that case."""

ALWAYS_FAILING_ONE_IN = 6
"""About one VM in 6 fails every attempt of its session, exhausting the retries (the worked examples)."""


def _check_at_least_one(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, got {value}")


def vm_lists(max_vms: int = 6) -> st.SearchStrategy[tuple[str, ...]]:
    """The VMs of a job: "VM 1".."VM n" in job order, 1 <= n <= ``max_vms``."""
    _check_at_least_one("max_vms", max_vms)
    return st.integers(1, max_vms).map(lambda n: tuple(vm_name(k) for k in range(1, n + 1)))


def retry_settings(max_count: int = MAX_CUSTOM_RETRIES) -> st.SearchStrategy[RetrySettings]:
    """The default setting (count None, i.e. 3), a custom count 0..``max_count``, or retry switched off.

    The default count weighs about 3 in 10 and switching off 1 in 5 (with or without a count kept):
    switched-off sessions never retry. Hypothesis shrinks towards the default.
    """
    enabled = st.sampled_from((True, True, True, True, False))
    count = st.sampled_from((None, None, None, *range(max_count + 1)))
    return st.builds(RetrySettings, enabled=enabled, count=count)


def jobs(max_vms: int = 6) -> st.SearchStrategy[Job]:
    """A job of either chain format, forward incremental, with any retry setting."""
    return st.builds(
        Job,
        name=st.integers(1, 99).map(lambda n: f"Backup Job {n}"),
        vms=vm_lists(max_vms),
        chain_format=st.sampled_from(ChainFormat),
        backup_method=st.just(BackupMethod.FORWARD_INCREMENTAL),
        retry=retry_settings(),
    )


def max_attempts(job: Job) -> int:
    """The most attempts a session of ``job`` can have: the initial run and every retry."""
    return 1 + job.retry.effective_count


def triggers() -> st.SearchStrategy[Trigger]:
    """Scheduled 3 times in 4 (manual sessions are never retried, so they exercise less)."""
    return st.sampled_from((Trigger.SCHEDULED, Trigger.SCHEDULED, Trigger.SCHEDULED, Trigger.MANUAL))


def vm_outcomes(vm: str, attempts: int) -> st.SearchStrategy[list[InjectedOutcome]]:
    """What ``vm`` does on attempts 1..``attempts``: a biased draw per attempt, or fails every one."""
    always_failing = st.integers(1, ALWAYS_FAILING_ONE_IN).map(lambda n: n == ALWAYS_FAILING_ONE_IN)
    per_attempt = st.lists(st.sampled_from(_RESULTS), min_size=attempts, max_size=attempts)
    return st.tuples(always_failing, per_attempt).map(
        lambda drawn: [
            InjectedOutcome(vm, number, TaskResult.FAILED if drawn[0] or result is None else result)
            for number, result in enumerate(drawn[1], start=1)
            if drawn[0] or result is not None
        ]
    )


def _listed(per_vm: tuple[list[InjectedOutcome], ...], by_attempt: bool) -> tuple[InjectedOutcome, ...]:
    outcomes = [o for outcomes in per_vm for o in outcomes]
    if by_attempt:
        outcomes.sort(key=lambda o: o.attempt)
    return tuple(outcomes)


# The strategies below depend on a job only through its VMs and its number of attempts. They are built
# and cached per (VMs, attempts), so hypothesis validates each once rather than once per generated job.


@functools.cache
def _outcome_sets(vms: tuple[str, ...], attempts: int) -> st.SearchStrategy[tuple[InjectedOutcome, ...]]:
    per_vm = st.tuples(*(vm_outcomes(vm, attempts) for vm in vms))
    return st.builds(_listed, per_vm, st.booleans())


@functools.cache
def _manual_stops(vm_count: int, attempts: int) -> st.SearchStrategy[ManualStop]:
    return st.builds(
        ManualStop,
        attempt=st.integers(1, attempts),
        after_tasks=st.integers(0, vm_count),
        mode=st.sampled_from(StopMode),
    )


@functools.cache
def _job_failure_sets(attempts: int) -> st.SearchStrategy[frozenset[int]]:
    some = st.frozensets(st.integers(1, attempts), min_size=1, max_size=attempts)
    return st.one_of(st.just(frozenset()), st.just(frozenset()), st.just(frozenset()), some)


@functools.cache
def _session_plans(vms: tuple[str, ...], attempts: int) -> st.SearchStrategy[SessionPlan]:
    return st.builds(
        SessionPlan,
        trigger=triggers(),
        outcomes=_outcome_sets(vms, attempts),
        stop=st.one_of(st.none(), st.none(), st.none(), _manual_stops(len(vms), attempts)),
        job_failure_attempts=_job_failure_sets(attempts),
    )


@functools.cache
def _plan_lists(
    vms: tuple[str, ...], attempts: int, max_sessions: int
) -> st.SearchStrategy[list[SessionPlan]]:
    return st.lists(_session_plans(vms, attempts), min_size=1, max_size=max_sessions)


def outcome_sets(job: Job) -> st.SearchStrategy[tuple[InjectedOutcome, ...]]:
    """Injected outcomes of one session: at most one per (VM, attempt), attempts that can run only,
    listed VM by VM or attempt by attempt (a target must not depend on the order)."""
    return _outcome_sets(job.vms, max_attempts(job))


def manual_stops(job: Job) -> st.SearchStrategy[ManualStop]:
    """A stop during any attempt that can run, after 0..all of the job's tasks."""
    return _manual_stops(len(job.vms), max_attempts(job))


def job_failure_sets(job: Job) -> st.SearchStrategy[frozenset[int]]:
    """Attempts (that can run) ending with a job-level error; none in about 3 sessions of 4."""
    return _job_failure_sets(max_attempts(job))


def session_plans(job: Job) -> st.SearchStrategy[SessionPlan]:
    """One session of ``job``: its trigger, injected outcomes, a stop (1 in 4) and job-level errors."""
    return _session_plans(job.vms, max_attempts(job))


def scenarios_for(
    job: Job, max_sessions: int = 4, readings: Readings = DEFAULT_READINGS
) -> st.SearchStrategy[Scenario]:
    """1..``max_sessions`` sessions of a given job, judged under ``readings``."""
    _check_at_least_one("max_sessions", max_sessions)
    plans = _plan_lists(job.vms, max_attempts(job), max_sessions)
    return plans.map(lambda sessions: Scenario(job, tuple(sessions), readings))


def readings() -> st.SearchStrategy[Readings]:
    """Any alternative of every reading."""
    choices = {f.name: st.sampled_from(type(getattr(DEFAULT_READINGS, f.name))) for f in fields(Readings)}
    return st.builds(Readings, **choices)


def scenarios(
    max_vms: int = 6, max_sessions: int = 4, readings: Readings = DEFAULT_READINGS
) -> st.SearchStrategy[Scenario]:
    """Any valid scenario: a job of 1..``max_vms`` VMs, 1..``max_sessions`` sessions, under ``readings``."""
    _check_at_least_one("max_sessions", max_sessions)
    return jobs(max_vms).flatmap(lambda job: scenarios_for(job, max_sessions, readings))
