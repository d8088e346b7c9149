"""The scenario a feature describes, assembled step by step and turned into plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrykit.errors import ScenarioAuthoringError
from retrykit.naming import vm_name
from retrykit.reference.model import (
    DEFAULT_RETRY_COUNT,
    ChainFormat,
    InjectedOutcome,
    ManualStop,
    RetrySettings,
    Scenario,
    SessionPlan,
    StopMode,
    TaskResult,
    Trigger,
)
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.reference.readings import Readings, ZeroRetries
from retrykit.space import PLAIN, JobExtras


def _attempt(number: int) -> int:
    if number < 1:
        raise ScenarioAuthoringError(f"attempts are numbered from 1 (the initial run), got attempt {number}")
    return number


@dataclass
class SessionDraft:
    trigger: Trigger = Trigger.SCHEDULED
    outcomes: dict[tuple[str, int], TaskResult] = field(default_factory=dict)
    failing_throughout: set[str] = field(default_factory=set)
    stop: ManualStop | None = None
    job_failures: set[int] = field(default_factory=set)


@dataclass
class ScenarioDraft:
    vm_count: int | None = None
    chain_format: ChainFormat | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    session_count: int = 1
    sessions: dict[int, SessionDraft] = field(default_factory=dict)
    related: JobExtras = PLAIN
    """The job settings the rules from Veeam's related pages ask for (steps/given_related.py)."""
    readings: Readings = DEFAULT_READINGS
    """The readings the run is judged under; the scenario carries them to the target and the judges."""

    def session(self, number: int) -> SessionDraft:
        if number < 1:
            raise ScenarioAuthoringError(f"sessions are numbered from 1, got session {number}")
        self.session_count = max(self.session_count, number)
        return self.sessions.setdefault(number, SessionDraft())

    def vm(self, name: str) -> str:
        if self.vm_count is None:
            raise ScenarioAuthoringError(f"a step names {name!r} before the job's VMs are given")
        if name not in {vm_name(n) for n in range(1, self.vm_count + 1)}:
            raise ScenarioAuthoringError(
                f"{name!r} is not one of the job's {self.vm_count} VMs (VM 1..VM {self.vm_count})"
            )
        return name

    def inject(self, session: int, vm: str, attempt: int, result: TaskResult) -> None:
        self.session(session).outcomes[(self.vm(vm), _attempt(attempt))] = result

    def stop(self, session: int, attempt: int, after_tasks: int, mode: StopMode = StopMode.IMMEDIATE) -> None:
        self.session(session).stop = ManualStop(_attempt(attempt), after_tasks, mode)

    def build(self) -> Scenario:
        if self.vm_count is None:
            raise ScenarioAuthoringError("the scenario never says how many VMs the job protects")
        if self.chain_format is None:
            raise ScenarioAuthoringError("the scenario never says which backup chain format the job keeps")
        retries = self.retry.effective_count
        if self.retry.count == 0 and self.readings.retry_count_zero is ZeroRetries.DEFAULT_COUNT:
            retries = DEFAULT_RETRY_COUNT  # "every attempt" under the reading that reads 0 as the default
        runs = 1 + retries
        plans = []
        for number in range(1, self.session_count + 1):
            draft = self.sessions.get(number, SessionDraft())
            outcomes = dict(draft.outcomes)
            for vm in draft.failing_throughout:
                for attempt in range(1, runs + 1):
                    outcomes.setdefault((vm, attempt), TaskResult.FAILED)
            plans.append(
                SessionPlan(
                    trigger=draft.trigger,
                    outcomes=tuple(InjectedOutcome(vm, a, r) for (vm, a), r in sorted(outcomes.items())),
                    stop=draft.stop,
                    job_failure_attempts=frozenset(draft.job_failures),
                )
            )
        vms = tuple(vm_name(n) for n in range(1, self.vm_count + 1))
        job = self.related.job(vms, self.chain_format, self.retry, name="Scenario job")
        return Scenario(job, tuple(plans), self.readings)
