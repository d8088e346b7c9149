"""Write any scenario as Gherkin in the kit's own step wording, ready to paste into features/.

The ``Then`` steps state what the reference engine does with the scenario, so the
emitted scenario passes against the reference and fails wherever a target behaves
otherwise, also without the oracles that judge every trace in addition.
"""

from __future__ import annotations

from collections.abc import Iterable

from tabulate import tabulate

from retrykit.chain_view import chain_rows
from retrykit.naming import vm_name
from retrykit.readings import READING_TAG_PREFIX
from retrykit.reference import engine
from retrykit.reference.model import ChainFormat, Job, ManualStop, Scenario, Session, StopMode, Trace, Trigger

_CHAIN_WORDS = {ChainFormat.PER_MACHINE: "per-machine", ChainFormat.SINGLE_FILE: "single-file"}
_INDENT = "    "


class NotExpressible(ValueError):
    """The scenario uses something the feature vocabulary cannot say (for example its own VM names)."""


def _table(rows: list[list[str]], indent: str) -> list[str]:
    text = tabulate(rows[1:], headers=rows[0], tablefmt="pipe", disable_numparse=True)
    lines = [line for line in text.splitlines() if not set(line) <= set("|:- ")]
    return [indent + _INDENT + line for line in lines]


def _given(scenario: Scenario) -> list[str]:
    job = scenario.job
    expected = tuple(vm_name(n) for n in range(1, len(job.vms) + 1))
    if job.vms != expected:
        raise NotExpressible(f"the steps name VMs 'VM 1'..'VM n' in job order; this job has {list(job.vms)}")
    lines = [
        f"a backup job protecting {len(job.vms)} VM{'s' if len(job.vms) > 1 else ''}",
        f"the job keeps a {_CHAIN_WORDS[job.chain_format]} backup chain",
        "the job uses the forward incremental method",
    ]
    if not job.retry.enabled:
        lines.append("automatic retry is switched off for the job")
    elif job.retry.count is None:
        lines.append("the job keeps the default retry setting")
    else:
        plural = "" if job.retry.count == 1 else "s"
        lines.append(f"the job is set to retry failed items {job.retry.count} time{plural}")
    lines += _related_given(job)
    if len(scenario.sessions) > 1:
        lines.append(f"the job runs {len(scenario.sessions)} scheduled sessions")
    return lines


def _related_given(job: Job) -> list[str]:
    """The job settings of the related pages, in the steps' words (steps/given_related.py)."""
    lines = []
    if job.retry.wait_minutes is not None:
        minutes = job.retry.wait_minutes
        lines.append(f"the job waits {minutes} minute{'s' if minutes != 1 else ''} before each retry")
    if job.continuous_schedule:
        lines.append("the job runs on a continuous schedule")
    if job.notifications is not None:
        held = ", held back until the last retry" if job.notifications.suppress_until_last_retry else ""
        lines.append(f"the job sends notifications{held}")
    if job.post_job_script:
        lines.append("the job runs a post-job script")
    if job.chained_job:
        lines.append("another job is chained after the job")
    return lines


def _session_steps(scenario: Scenario, indent: str) -> list[str]:
    lines: list[str] = []
    for number, plan in enumerate(scenario.sessions, start=1):
        if plan.trigger is Trigger.MANUAL:
            lines.append(f"{indent}And session {number} is started manually")
        if plan.trigger is Trigger.RETRY:
            lines.append(f"{indent}And the user asks for a Retry of the job as session {number}")
        if plan.outcomes:
            attempts = sorted({o.attempt for o in plan.outcomes})
            grid = [["VM", *[f"attempt {a}" for a in attempts]]]
            for vm in scenario.job.vms:
                cells = {o.attempt: o.result.value for o in plan.outcomes if o.vm == vm}
                if cells:
                    grid.append([vm, *[cells.get(a, "") for a in attempts]])
            lines.append(f"{indent}And the task outcomes of session {number} are:")
            lines += _table(grid, indent)
        if plan.stop is not None:
            lines.append(f"{indent}And {_stop_step(number, plan.stop)}")
        lines += [
            f"{indent}And attempt {a} of session {number} ends with a job-level error"
            for a in sorted(plan.job_failure_attempts)
        ]
    return lines


def _stop_step(number: int, stop: ManualStop) -> str:
    tasks, attempt = stop.after_tasks, stop.attempt
    if stop.mode is StopMode.GRACEFUL:
        where = f"while task {tasks} is being processed" if tasks else "before its first task starts"
        return f"the user stops session {number} gracefully during attempt {attempt} {where}"
    done = f"{tasks} task{'s have' if tasks != 1 else ' has'} finished"
    return f"the user stops session {number} during attempt {attempt} after {done}"


def _then(job: Job, trace: Trace, indent: str) -> list[str]:
    lines = [
        f"{indent}Then the job has {len(trace.sessions)} session{'s' if len(trace.sessions) != 1 else ''}"
    ]
    for session in trace.sessions:
        n = len(session.attempts)
        lines.append(f"{indent}And session {session.number} has {n} attempt{'s' if n != 1 else ''}")
        for attempt in session.attempts:
            vms = ", ".join(t.vm for t in attempt.tasks)
            runs = f'"{vms}"' if vms else "no task"
            lines.append(f"{indent}And attempt {attempt.number} of session {session.number} runs {runs}")
        lines.append(f'{indent}And session {session.number} ends "{session.status.value.capitalize()}"')
        lines += [f"{indent}And {text}" for text in _related_then(job, session)]
    rows = chain_rows(trace)
    if rows:
        lines.append(f"{indent}And the chain holds exactly these backup files:")
        lines += _table([["kind", "created by", "restore points"], *[list(r.cells()) for r in rows]], indent)
    else:
        lines.append(f"{indent}And the chain holds no backup file")
    return lines


def _related_then(job: Job, session: Session) -> list[str]:
    """What the related pages' rules expect of a session, in the steps' words (steps/then_related.py)."""
    number, lines = session.number, []
    if session.trigger is Trigger.RETRY:
        lines.append(f"session {number} is {'' if session.refused else 'not '}refused")
    if len(session.attempts) > 1 and job.retry.wait_minutes is not None and not job.continuous_schedule:
        minutes = job.retry.wait_minutes
        lines.append(
            f"every retry of session {number} starts {minutes} minute{'s' if minutes != 1 else ''} or more "
            "after the attempt before it ended"
        )
    if len(session.attempts) > 1 and job.continuous_schedule:
        lines.append(
            f"every retry of session {number} starts less than a minute after the attempt before it ended"
        )
    if job.notifications is not None:
        sent = [
            f"{n.status.value.capitalize()} after attempt {n.after_attempt}" for n in session.notifications
        ]
        lines.append(f"session {number} sends these notifications: {', '.join(sent) or 'none'}")
    for ran, what in (
        (session.post_job_script_after, "post-job script runs"),
        (session.chained_job_after, "chained job starts"),
    ):
        if len(ran) == 1:
            lines.append(f"the {what} once in session {number}, after attempt {ran[0]}")
    return lines


def scenario_gherkin(scenario: Scenario, name: str, tags: Iterable[str] = (), indent: str = "  ") -> str:
    """One ``Scenario:`` block; ``tags`` are rule IDs (without '@') or other tags."""
    given = _given(scenario)
    lines = []
    readings = [
        f"{READING_TAG_PREFIX}{name}={value}" for name, value in scenario.readings.differing().items()
    ]
    tag_line = " ".join(f"@{t.lstrip('@')}" for t in [*tags, *readings])
    if tag_line:
        lines.append(indent + tag_line)
    lines.append(f"{indent}Scenario: {name}")
    step = indent + "  "
    lines.append(f"{step}Given {given[0]}")
    lines += [f"{step}And {text}" for text in given[1:]]
    lines += _session_steps(scenario, step)
    lines.append(f"{step}When the job's sessions run")
    try:
        lines += _then(scenario.job, engine.run(scenario), step)
    except engine.RefusedSetting:
        lines.append(f"{step}Then the target refuses the job's retry settings")
    return "\n".join(lines) + "\n"


def feature_gherkin(scenario: Scenario, name: str, tags: Iterable[str] = (), comment: str = "") -> str:
    """A whole feature file holding one scenario."""
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    body = scenario_gherkin(scenario, name, tags)
    return f"{header}Feature: Reproducer found by exploring scenarios\n\n{body}"
