"""Does a trace describe the scenario that was asked for?

A breach is the target's error, not a rule verdict.
"""

from __future__ import annotations

from retrykit.errors import ContractBreach
from retrykit.reference.model import Scenario, TaskResult, Trace, Trigger

_SHOWN = 5


def breaches(scenario: Scenario, trace: Trace) -> list[str]:
    """Why the trace cannot be judged as a run of ``scenario``; empty when it can."""
    found: list[str] = []
    vms = set(scenario.job.vms)
    # With another number of sessions than planned (JR.SESSION.SAME, judged by the oracles) the sessions
    # cannot be matched to their plans, so only what needs no plan is checked.
    aligned = len(trace.sessions) == len(scenario.sessions)
    timed = scenario.job.retry.wait_minutes is not None or scenario.job.continuous_schedule
    for position, session in enumerate(trace.sessions, start=1):
        if session.number != position:
            found.append(f"sessions[{position - 1}] is numbered {session.number}, expected {position}")
        plan = scenario.sessions[position - 1] if aligned else None
        injected = {} if plan is None else plan.injected()
        if plan is not None and session.trigger is not plan.trigger:
            found.append(
                f"session {position} reports trigger {session.trigger.value}, asked {plan.trigger.value}"
            )
        if session.refused and session.trigger is not Trigger.RETRY:
            found.append(f"session {position} is reported refused, but only a Retry can be refused")
        if timed:
            found.extend(
                f"session {position}, attempt {a.number}: without started_at and ended_at, which a scenario "
                "with a retry wait or a continuous schedule needs"
                for a in session.attempts
                if a.started_at is None or a.ended_at is None
            )
        # Where each attempt is, spelled only for a breach: most traces have none (the same for files).
        for index, attempt in enumerate(session.attempts, start=1):
            number = attempt.number
            if number != index:
                found.append(
                    f"session {position}: attempts[{index - 1}] is numbered {number}, expected {index}"
                )
            if plan is not None and attempt.job_failure != (number in plan.job_failure_attempts):
                found.append(
                    f"session {position}, attempt {number}: job_failure is {attempt.job_failure}, "
                    "the scenario injected the opposite"
                )
            outcomes = injected.get(number, {})
            for task in attempt.tasks:
                if task.vm not in vms:
                    found.append(
                        f"session {position}, attempt {number}: ran {task.vm!r}, which is not a VM of the job"
                    )
                elif plan is not None:
                    expected = outcomes.get(task.vm, TaskResult.SUCCESS)
                    if task.result is not expected:
                        found.append(
                            f"session {position}, attempt {number}: {task.vm} ended {task.result.value}, "
                            f"the scenario injected {expected.value}"
                        )
    runs = {(s.number, a.number) for s in trace.sessions for a in s.attempts}
    for file in trace.files:
        named = [(file.session, file.attempt), *[(p.session, p.attempt) for p in file.restore_points]]
        if runs.issuperset(named):
            continue
        found += [
            f"file {file.id!r} names session {s}, attempt {a}, which the trace does not have"
            for s, a in dict.fromkeys(named)
            if (s, a) not in runs
        ]
    ids = [f.id for f in trace.files]
    if len(set(ids)) != len(ids):
        found.append("two backup files share an id")
    for file in trace.files:
        found += [
            f"file {file.id!r} holds a restore point of {p.vm!r}, which is not a VM of the job"
            for p in file.restore_points
            if p.vm not in vms
        ]
    return found


def breach(scenario: Scenario, trace: Trace) -> ContractBreach | None:
    """The breach to report for this trace, or None when it describes the scenario asked."""
    found = breaches(scenario, trace)
    if not found:
        return None
    more = f" (and {len(found) - _SHOWN} more)" if len(found) > _SHOWN else ""
    return ContractBreach("; ".join(found[:_SHOWN]) + more)


def enforce(scenario: Scenario, trace: Trace) -> None:
    found = breach(scenario, trace)
    if found is not None:
        raise found
