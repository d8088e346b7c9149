"""The catalogue's rules as checks over any trace.

``judge(scenario, trace)`` returns every violation it finds, each naming the
catalogue rule it breaks. It reads only the scenario and the observed trace:
each decision is judged from the state the trace itself shows at that point, so
one early mistake of a target is reported once instead of cascading.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from reference.engine import session_status
from reference.model import (
    BackupKind,
    ChainFormat,
    Job,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    TaskResult,
    Trace,
    Trigger,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    expected: str
    observed: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: expected {self.expected}; observed {self.observed}"


def _names(vms: list[str] | tuple[str, ...]) -> str:
    return ", ".join(vms) if vms else "no VM"


def count_rule(job: Job) -> str:
    """Which catalogue rule governs the number of retries of this job."""
    if not job.retry.enabled or job.retry.count == 0:
        return "JR.COUNT.ZERO"
    return "JR.COUNT.DEFAULT" if job.retry.count is None else "JR.COUNT.CUSTOM"


def _unprocessed(job: Job, latest: dict[str, TaskResult | None]) -> list[str]:
    return [vm for vm in job.vms if latest[vm] is None or latest[vm] is TaskResult.FAILED]


def _retry_forbidden_by(
    plan: SessionPlan, job: Job, attempt: int, status: SessionStatus, pending: list[str], stopped: bool
) -> str | None:
    """The rule that forbids a retry after ``attempt``, or None when the page calls for one."""
    if plan.trigger is Trigger.MANUAL:
        return "JR.MANUAL.START"
    if stopped:
        return "JR.MANUAL.STOP"
    if status is not SessionStatus.FAILED:
        return "JR.WHEN.NOT-SUCCESS-WARNING"
    if not pending:
        return "JR.WHEN.FAILED-UNPROCESSED"
    if attempt >= 1 + job.retry.effective_count:
        return count_rule(job)
    return None


def _judge_session(
    scenario: Scenario, plan: SessionPlan, session: Session, carried: set[str]
) -> Iterator[Violation]:
    job = scenario.job
    chain_rule = "JR.PM.NEXT-SESSION" if job.chain_format is ChainFormat.PER_MACHINE else "JR.SF.NEXT-SESSION"
    latest: dict[str, TaskResult | None] = dict.fromkeys(job.vms)
    expected_vms = list(job.vms)
    stopped = False
    status = SessionStatus.FAILED
    n = session.number
    for index, attempt in enumerate(session.attempts):
        where = f"session {n}, attempt {attempt.number}"
        if index > 0:
            previous = session.attempts[index - 1].number
            forbidden = _retry_forbidden_by(plan, job, previous, status, expected_vms, stopped)
            if forbidden is not None:
                yield Violation(forbidden, where, f"no retry after attempt {previous}", "a retry ran")
                return
        stop_here = plan.stop is not None and plan.stop.attempt == attempt.number
        if plan.stop is not None and stop_here:
            expected_vms = expected_vms[: plan.stop.after_tasks]
            stopped = True
        observed_vms = [t.vm for t in attempt.tasks]
        if observed_vms != expected_vms and Counter(observed_vms) != Counter(expected_vms):
            yield from _wrong_task_set(
                where, index, expected_vms, observed_vms, latest, carried, chain_rule, stop_here
            )
        elif stop_here and observed_vms != expected_vms:
            yield Violation(
                "JR.ORDER", where, f"tasks in job order: {_names(expected_vms)}", _names(observed_vms)
            )
        for task in attempt.tasks:
            latest[task.vm] = task.result
        expected_vms = _unprocessed(job, latest)
        status = session_status(latest, job_failure=attempt.job_failure, stopped=stopped)
    last = session.attempts[-1].number
    if _retry_forbidden_by(plan, job, last, status, expected_vms, stopped) is None:
        rule = "JR.RETRY.AUTOMATIC" if last == 1 else count_rule(job)
        yield Violation(
            rule,
            f"session {n}, after attempt {last}",
            f"a retry of {_names(expected_vms)} (retry {last} of {job.retry.effective_count})",
            "no further attempt",
        )
    if session.status is not status:
        yield Violation(
            _status_rule(status, expected_vms, stopped), f"session {n}", status.value, session.status.value
        )
    if session.stopped_manually != stopped:
        yield Violation(
            "JR.STOP.STATUS",
            f"session {n}",
            f"stopped_manually={stopped}",
            f"stopped_manually={session.stopped_manually}",
        )


def _status_rule(expected: SessionStatus, unprocessed: list[str], stopped: bool) -> str:
    if expected is not SessionStatus.FAILED:
        return "JR.STATUS.RECOVERED"
    if unprocessed and not stopped:
        return "JR.STATUS.FAILED"
    return "JR.STOP.STATUS" if stopped else "JR.JOB-FAILURE"


def _wrong_task_set(
    where: str,
    index: int,
    expected: list[str],
    observed: list[str],
    latest: dict[str, TaskResult | None],
    carried: set[str],
    chain_rule: str,
    stop_here: bool,
) -> Iterator[Violation]:
    missing = sorted((Counter(expected) - Counter(observed)).elements())
    extra = sorted((Counter(observed) - Counter(expected)).elements())
    if stop_here:
        rule = "JR.ORDER"
    elif index == 0:
        rule = chain_rule if set(missing) & carried else "JR.SESSION.ALL-VMS"
    elif any(latest.get(vm) is TaskResult.WARNING for vm in extra):
        rule = "JR.WARNING.PROCESSED"
    else:
        rule = "JR.SCOPE.FAILED-ONLY"
    detail = []
    if missing:
        detail.append(f"missing {_names(missing)}")
    if extra:
        detail.append(f"also ran {_names(extra)}")
    yield Violation(
        rule, where, f"tasks {_names(expected)}", f"tasks {_names(observed)} ({'; '.join(detail)})"
    )


def _judge_sessions(scenario: Scenario, trace: Trace) -> Iterator[Violation]:
    if len(trace.sessions) != len(scenario.sessions):
        yield Violation(
            "JR.SESSION.SAME",
            "the job",
            f"{len(scenario.sessions)} session(s), retries inside them",
            f"{len(trace.sessions)} session(s)",
        )
    carried: set[str] = set()
    for plan, session in zip(scenario.sessions, trace.sessions, strict=False):
        yield from _judge_session(scenario, plan, session, carried)
        latest: dict[str, TaskResult | None] = dict.fromkeys(scenario.job.vms)
        for attempt in session.attempts:
            for task in attempt.tasks:
                latest[task.vm] = task.result
        carried = set(_unprocessed(scenario.job, latest))


def _judge_restore_points(scenario: Scenario, trace: Trace) -> Iterator[Violation]:
    """Every processed task leaves exactly one restore point, and nothing else does."""
    per_machine = scenario.job.chain_format is ChainFormat.PER_MACHINE
    written = Counter((p.session, p.attempt, p.vm) for f in trace.files for p in f.restore_points)
    processed = {
        (s.number, a.number, t.vm)
        for s in trace.sessions
        for a in s.attempts
        for t in a.tasks
        if t.result.processed
    }
    for key in sorted(key for key in processed if written[key] != 1):
        rule = "JR.PM.FILE-PER-VM" if per_machine else "JR.SF.ONE-FILE-PER-SESSION"
        yield Violation(
            rule,
            f"session {key[0]}, attempt {key[1]}, {key[2]}",
            "one restore point for the processed VM",
            f"{written[key]} restore point(s)",
        )
    for key in sorted(set(written) - processed):
        rule = "JR.PM.ONLY-PROCESSED" if per_machine else "JR.SF.ONLY-PROCESSED"
        yield Violation(
            rule,
            f"session {key[0]}, attempt {key[1]}, {key[2]}",
            "no restore point: the VM was not processed there",
            f"{written[key]} restore point(s)",
        )
    seen: set[str] = set()
    for point in sorted(
        (p for f in trace.files for p in f.restore_points), key=lambda p: (p.session, p.attempt)
    ):
        expected = BackupKind.INCREMENTAL if point.vm in seen else BackupKind.FULL
        if point.kind is not expected:
            yield Violation(
                "JR.CHAIN.FULL-FIRST",
                f"session {point.session}, attempt {point.attempt}, {point.vm}",
                f"a {expected.value} restore point",
                f"a {point.kind.value} restore point",
            )
        seen.add(point.vm)


def _judge_per_machine_files(trace: Trace) -> Iterator[Violation]:
    for file in trace.files:
        where = f"file {file.id!r} (created by session {file.session}, attempt {file.attempt})"
        if len(file.restore_points) != 1:
            rule = "JR.PM.ONLY-PROCESSED" if not file.restore_points else "JR.PM.FILE-PER-VM"
            vms = [p.vm for p in file.restore_points]
            yield Violation(rule, where, "the restore point of exactly one VM", _names(vms))
            continue
        point = file.restore_points[0]
        if (point.session, point.attempt) != (file.session, file.attempt):
            if point.attempt > 1:
                rule = "JR.PM.RETRY-NEW-FILES"
            elif point.session != file.session:
                rule = "JR.PM.NEXT-SESSION"
            else:
                rule = "JR.PM.FILE-PER-VM"
            yield Violation(
                rule,
                where,
                "a new file for the run that wrote it",
                f"{point.vm} written by session {point.session}, attempt {point.attempt}",
            )
        if file.kind is not point.kind:
            yield Violation(
                "JR.CHAIN.FULL-FIRST", where, f"a {point.kind.value} file", f"a {file.kind.value} file"
            )


def _judge_single_file(trace: Trace) -> Iterator[Violation]:
    by_session: dict[int, list] = defaultdict(list)
    for file in trace.files:
        by_session[file.session].append(file)
    for position, file in enumerate(trace.files):
        expected = BackupKind.FULL if position == 0 else BackupKind.INCREMENTAL
        if file.kind is not expected:
            yield Violation(
                "JR.CHAIN.FULL-FIRST",
                f"file {file.id!r} (file {position + 1} of the chain)",
                f"a {expected.value} file",
                f"a {file.kind.value} file",
            )
    for session in trace.sessions:
        files = by_session.get(session.number, [])
        where = f"session {session.number}"
        if len(files) > 1:
            late = [f for f in files if f.attempt > min(g.attempt for g in files)]
            rule = "JR.SF.RETRY-SAME-FILE" if late else "JR.SF.ONE-FILE-PER-SESSION"
            yield Violation(
                rule, where, "one backup file", f"{len(files)} files: {_names([f.id for f in files])}"
            )
        first_with_data = next(
            (a.number for a in session.attempts if any(t.result.processed for t in a.tasks)), None
        )
        if files and files[0].attempt != first_with_data:
            yield Violation(
                "JR.SF.FILE-CREATION",
                where,
                "the file created by the first attempt that processed a VM"
                if first_with_data
                else "no file: no VM was processed",
                f"file {files[0].id!r} created by attempt {files[0].attempt}",
            )
        for file in files:
            for point in file.restore_points:
                if point.session != session.number:
                    yield Violation(
                        "JR.SF.NEXT-SESSION",
                        f"file {file.id!r}",
                        f"only restore points written by session {session.number}",
                        f"{point.vm} written by session {point.session}, attempt {point.attempt}",
                    )


def judge(scenario: Scenario, trace: Trace) -> list[Violation]:
    """Every rule violation the trace shows, in the order a reader would meet them."""
    violations = list(_judge_sessions(scenario, trace))
    violations += _judge_restore_points(scenario, trace)
    if scenario.job.chain_format is ChainFormat.PER_MACHINE:
        violations += _judge_per_machine_files(trace)
    else:
        violations += _judge_single_file(trace)
    return violations
