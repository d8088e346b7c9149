"""Deliberately wrong implementations, each breaking one documented rule, and other readings of the points
the page leaves open, each differing from one of the kit's interpretations; served through the adapter
protocol.

    python adapters/mutants.py NAME      serve one mutant or reading (as an adapter)
    python adapters/mutants.py --list    name, kind, rule and defect of each

Each mutant is the reference engine with one decision replaced (see reference/engine.py) or one aspect
of its trace rewritten. The kit's own tests run the feature suite against every one of them and require
that it fails, with a failing scenario tagged with the rule the mutant names.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import retrykit.reference.model as model
from retrykit import __version__
from retrykit.adapters import related_mutants as related
from retrykit.codec import scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.reference import engine
from retrykit.reference.model import BackupKind, ChainFormat, Job, SessionPlan, SessionStatus, TaskResult
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.serve import serve

Json = dict[str, Any]


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str
    defect: str
    patch: Callable[[], None] = field(default=lambda: None)
    rewrite: Callable[[Json, Json], Json] = field(default=lambda scenario, trace: trace)


def _set(module: object, name: str, value: object) -> Callable[[], None]:
    return lambda: setattr(module, name, value)


_reference = {name: getattr(engine, name) for name in ("allowed_retries", "unprocessed", "retry_needed")}
_Chain = engine._Chain
_write = _Chain.write


def _chain_patch(
    chain_format: ChainFormat, method: str, replacement: Callable[..., Any]
) -> Callable[[], None]:
    """Replace one method of the chain, for one chain format only."""
    original = getattr(_Chain, method)

    def patched(self: Any, *args: Any) -> Any:
        if self.chain_format is chain_format:
            return replacement(self, *args)
        return original(self, *args)

    return lambda: setattr(_Chain, method, patched)


def _incremental_once_chain_has_files(self: Any, vms: list[str]) -> list[BackupKind]:
    return [BackupKind.INCREMENTAL if self.files else BackupKind.FULL for _ in vms]


def _new_file_every_attempt(self: Any, vms: list[str], session: int, attempt: int) -> None:
    self._session_file = None
    before = len(self.files)
    _write(self, vms, session, attempt)
    if len(self.files) > before:
        made = self.files[-1]
        self.files[-1] = model.BackupFile(
            f"s{session}a{attempt}", made.kind, made.session, made.attempt, made.restore_points
        )


def _retry_writes_first_file_of_session(self: Any, vms: list[str], session: int, attempt: int) -> None:
    ours = [i for i, f in enumerate(self.files) if f.session == session]
    if attempt == 1 or not ours or not vms:
        _write(self, vms, session, attempt)
        return
    points = tuple(
        model.RestorePoint(vm, k, session, attempt) for vm, k in zip(vms, self._point_kinds(vms), strict=True)
    )
    self._vms_with_points.update(vms)
    first = self.files[ours[0]]
    self.files[ours[0]] = model.BackupFile(
        first.id, first.kind, first.session, first.attempt, first.restore_points + points
    )


def _every_file_full(self: Any, vms: list[str], session: int, attempt: int) -> None:
    before = len(self.files)
    _write(self, vms, session, attempt)
    if len(self.files) > before:
        created = self.files[-1]
        self.files[-1] = model.BackupFile(
            created.id, BackupKind.FULL, created.session, created.attempt, created.restore_points
        )


def _left_over_skipped(chain_format: ChainFormat) -> Callable[[], None]:
    def session_start(job: Job, left_over: frozenset[str]) -> list[str]:
        if job.chain_format is chain_format:
            return [vm for vm in job.vms if vm not in left_over]
        return list(job.vms)

    return _set(engine, "session_start", session_start)


def _only_left_over(job: Job, left_over: frozenset[str]) -> list[str]:
    return [vm for vm in job.vms if vm in left_over] or list(job.vms)


def _count(fn: Callable[[Job, SessionPlan], int]) -> Callable[[], None]:
    return _set(engine, "allowed_retries", fn)


def _retries_as_sessions(scenario: Json, trace: Json) -> Json:
    sessions = []
    for session in trace["sessions"]:
        for attempt in session["attempts"]:
            sessions.append(session | {"number": len(sessions) + 1, "attempts": [attempt | {"number": 1}]})
    mapping = {}
    number = 0
    for session in trace["sessions"]:
        for attempt in session["attempts"]:
            number += 1
            mapping[(session["number"], attempt["number"])] = number
    files = copy.deepcopy(trace["files"])
    for file in files:
        file["session"], file["attempt"] = mapping[(file["session"], file["attempt"])], 1
        for point in file["restore_points"]:
            point["session"], point["attempt"] = mapping[(point["session"], point["attempt"])], 1
    return {"sessions": sessions, "files": files}


def _failed_reported_as_warning(scenario: Json, trace: Json) -> Json:
    result = copy.deepcopy(trace)
    for session in result["sessions"]:
        if session["status"] == "failed" and not session["stopped_manually"]:
            session["status"] = "warning"
    return result


def _stop_mode(scenario: Json, session: Json) -> str | None:
    stop = scenario["sessions"][session["number"] - 1].get("stop")
    return None if stop is None else str(stop.get("mode", "immediate"))


def _stopped_reported_as_success(scenario: Json, trace: Json) -> Json:
    result = copy.deepcopy(trace)
    for session in result["sessions"]:
        if _stop_mode(scenario, session) == "immediate" and all(
            t["result"] != "failed" for a in session["attempts"] for t in a["tasks"]
        ):
            session["status"] = "success"
    return result


def _graceful_before_first_reported_as_warning(scenario: Json, trace: Json) -> Json:
    result = copy.deepcopy(trace)
    for session in result["sessions"]:
        if _stop_mode(scenario, session) == "graceful" and not any(a["tasks"] for a in session["attempts"]):
            session["status"] = "warning"
    return result


def _failed_vms_get_points(chain_format: str) -> Callable[[Json, Json], Json]:
    def rewrite(scenario: Json, trace: Json) -> Json:
        if scenario["job"]["chain_format"] != chain_format:
            return trace
        result = copy.deepcopy(trace)
        for session in result["sessions"]:
            for attempt in session["attempts"]:
                for task in attempt["tasks"]:
                    if task["result"] != "failed":
                        continue
                    point = {
                        "vm": task["vm"],
                        "kind": "incremental",
                        "session": session["number"],
                        "attempt": attempt["number"],
                    }
                    home = [f for f in result["files"] if f["session"] == session["number"]]
                    if chain_format == "single_file" and home:
                        home[0]["restore_points"].append(point)
                    else:
                        file_id = f"broken-s{session['number']}a{attempt['number']}-{task['vm']}"
                        result["files"].append(
                            {
                                "id": file_id,
                                "kind": "incremental",
                                "session": session["number"],
                                "attempt": attempt["number"],
                                "restore_points": [point],
                            }
                        )
        return result

    return rewrite


def _status_ignores_job_failure() -> None:
    original = engine.session_status

    def session_status(results: Any, *, job_failure: bool, stopped: bool) -> SessionStatus:
        return original(results, job_failure=False, stopped=stopped)

    engine.session_status = session_status


def _graceful_stop_lands(tasks: Callable[[int], int]) -> Callable[[], None]:
    """A graceful stop that lets ``tasks(n)`` tasks finish where the user's lets n finish."""

    def patch() -> None:
        original = engine._run_session

        def run_session(number: int, plan: SessionPlan, *args: Any, **kwargs: Any) -> Any:
            stop = plan.stop
            if stop is not None and stop.mode is model.StopMode.GRACEFUL:
                moved = model.ManualStop(stop.attempt, tasks(stop.after_tasks), stop.mode)
                plan = dataclasses.replace(plan, stop=moved)
            return original(number, plan, *args, **kwargs)

        engine._run_session = run_session

    return patch


def _warned_is_unprocessed(job: Job, latest: Any) -> list[str]:
    return [vm for vm in job.vms if latest[vm] is not TaskResult.SUCCESS]


def _retry_warning(status: SessionStatus, pending: list[str], stopped: bool) -> bool:
    return status is not SessionStatus.SUCCESS and not stopped


MUTANTS: dict[str, Mutant] = {
    m.name: m
    for m in (
        Mutant("no-retry", "JR.RETRY.AUTOMATIC", "never retries a failed job", _count(lambda job, plan: 0)),
        Mutant(
            "default-count-2",
            "JR.COUNT.DEFAULT",
            "its default is 2 retries, not 3",
            _set(model, "DEFAULT_RETRY_COUNT", 2),
        ),
        Mutant(
            "custom-count-ignored",
            "JR.COUNT.CUSTOM",
            "ignores the job's retry count and always retries 3 times",
            _count(lambda job, plan: 3 if plan.trigger is model.Trigger.SCHEDULED else 0),
        ),
        Mutant(
            "one-retry-too-many",
            "JR.COUNT.CUSTOM",
            "retries once more than configured",
            _count(lambda job, plan: _reference["allowed_retries"](job, plan) + 1),
        ),
        Mutant(
            "retry-reprocesses-all",
            "JR.SCOPE.FAILED-ONLY",
            "a retry runs every VM of the job again",
            _set(
                engine,
                "unprocessed",
                lambda job, latest: list(job.vms) if _reference["unprocessed"](job, latest) else [],
            ),
        ),
        Mutant(
            "warning-retried",
            "JR.WHEN.NOT-SUCCESS-WARNING",
            "retries a session that ended with Warning, re-running the warned VMs",
            lambda: (
                _set(engine, "retry_needed", _retry_warning)(),
                _set(engine, "unprocessed", _warned_is_unprocessed)(),
            ),
        ),
        Mutant(
            "warned-vm-retried",
            "JR.WARNING.PROCESSED",
            "counts a warned VM as unprocessed, so a retry beside a failed VM runs it again",
            _set(engine, "unprocessed", _warned_is_unprocessed),
        ),
        Mutant(
            "manual-start-retried",
            "JR.MANUAL.START",
            "retries sessions that a person started by hand",
            _count(lambda job, plan: job.retry.effective_count),
        ),
        Mutant(
            "manual-stop-retried",
            "JR.MANUAL.STOP",
            "retries a session after a person stopped it",
            _set(
                engine,
                "retry_needed",
                lambda status, pending, stopped: status is SessionStatus.FAILED and bool(pending),
            ),
        ),
        Mutant(
            "processed-failure-retried",
            "JR.WHEN.FAILED-UNPROCESSED",
            "retries a failed session even when every task was processed",
            _set(
                engine,
                "retry_needed",
                lambda status, pending, stopped: status is SessionStatus.FAILED and not stopped,
            ),
        ),
        Mutant(
            "stop-ends-success",
            "JR.STOP.IMMEDIATE",
            "a session stopped at once whose finished tasks succeeded ends Success",
            rewrite=_stopped_reported_as_success,
        ),
        Mutant(
            "graceful-as-immediate",
            "JR.STOP.GRACEFUL",
            "a graceful stop terminates the VM being processed, like an immediate stop",
            _graceful_stop_lands(lambda started: max(started - 1, 0)),
        ),
        Mutant(
            "graceful-finishes-attempt",
            "JR.STOP.GRACEFUL",
            "a graceful stop lets every task of the attempt run, not only those that had started",
            _graceful_stop_lands(lambda started: 10**9),
        ),
        Mutant(
            "graceful-before-first-warning",
            "JR.STOP.GRACEFUL.BEFORE-FIRST",
            "a session stopped gracefully before its first VM ends Warning",
            rewrite=_graceful_before_first_reported_as_warning,
        ),
        Mutant(
            "retries-as-sessions",
            "JR.SESSION.SAME",
            "records every retry as a job session of its own",
            rewrite=_retries_as_sessions,
        ),
        Mutant(
            "failure-as-warning",
            "JR.STATUS.FAILED",
            "a session with VMs still failed ends Warning, not Failed",
            rewrite=_failed_reported_as_warning,
        ),
        Mutant(
            "only-left-over",
            "JR.EXAMPLE.PER-MACHINE",
            "a session after a failed one runs only the VMs left over",
            _set(engine, "session_start", _only_left_over),
        ),
        Mutant(
            "pm-left-over-skipped",
            "JR.PM.NEXT-SESSION",
            "per-machine: VMs that failed every retry are skipped by the next session",
            _left_over_skipped(ChainFormat.PER_MACHINE),
        ),
        Mutant(
            "pm-first-backup-incremental",
            "JR.EXAMPLE.PER-MACHINE",
            "per-machine: a VM backed up first in a later session gets an incremental",
            _chain_patch(ChainFormat.PER_MACHINE, "_point_kinds", _incremental_once_chain_has_files),
        ),
        Mutant(
            "pm-retry-into-old-file",
            "JR.PM.RETRY-NEW-FILES",
            "per-machine: a retry writes recovered VMs into a file of the initial run",
            _chain_patch(ChainFormat.PER_MACHINE, "write", _retry_writes_first_file_of_session),
        ),
        Mutant(
            "pm-failed-vm-file",
            "JR.PM.ONLY-PROCESSED",
            "per-machine: a VM that failed still gets a file",
            rewrite=_failed_vms_get_points("per_machine"),
        ),
        Mutant(
            "pm-one-file",
            "JR.PM.FILE-PER-VM",
            "per-machine: each run writes one file for all its VMs",
            _chain_patch(
                ChainFormat.PER_MACHINE,
                "write",
                lambda self, *a: (
                    setattr(self, "chain_format", ChainFormat.SINGLE_FILE),
                    _new_file_every_attempt(self, *a),
                    setattr(self, "chain_format", ChainFormat.PER_MACHINE),
                ),
            ),
        ),
        Mutant(
            "sf-retry-new-file",
            "JR.SF.RETRY-SAME-FILE",
            "single-file: each retry writes a new file",
            _chain_patch(ChainFormat.SINGLE_FILE, "write", _new_file_every_attempt),
        ),
        Mutant(
            "sf-new-vm-incremental",
            "JR.EXAMPLE.SINGLE-FILE",
            "single-file: a VM new to the chain gets an incremental restore point",
            _chain_patch(ChainFormat.SINGLE_FILE, "_point_kinds", _incremental_once_chain_has_files),
        ),
        Mutant(
            "sf-left-over-skipped",
            "JR.SF.NEXT-SESSION",
            "single-file: VMs that failed every retry are skipped by the next session",
            _left_over_skipped(ChainFormat.SINGLE_FILE),
        ),
        Mutant(
            "sf-failed-vm-in-file",
            "JR.SF.ONLY-PROCESSED",
            "single-file: a VM that failed still gets a restore point in the file",
            rewrite=_failed_vms_get_points("single_file"),
        ),
        Mutant(
            "sf-file-per-vm",
            "JR.SF.ONE-FILE-PER-SESSION",
            "single-file: writes a file per VM like a per-machine chain",
            _chain_patch(
                ChainFormat.SINGLE_FILE,
                "write",
                lambda self, *a: (
                    setattr(self, "chain_format", ChainFormat.PER_MACHINE),
                    _write(self, *a),
                    setattr(self, "chain_format", ChainFormat.SINGLE_FILE),
                ),
            ),
        ),
        Mutant(
            "every-file-full",
            "JR.EXAMPLE.SINGLE-FILE",
            "single-file: every session's file is a full backup",
            _chain_patch(ChainFormat.SINGLE_FILE, "write", _every_file_full),
        ),
        Mutant(
            "retry-without-wait",
            "JR.WAIT.BETWEEN",
            "retries at once, ignoring the wait set",
            related.RETRY_WITHOUT_WAIT,
        ),
        Mutant(
            "continuous-waits",
            "JR.WAIT.CONTINUOUS",
            "waits the span set before each retry on a continuous schedule too",
            related.CONTINUOUS_WAITS,
        ),
        Mutant(
            "retry-never-refused",
            "JR.MANUAL-RETRY.ONLY-FAILED",
            "carries out the Retry command after a session that did not fail",
            related.RETRY_NEVER_REFUSED,
        ),
        Mutant(
            "retry-runs-whole-job",
            "JR.MANUAL-RETRY.SCOPE",
            "the Retry command runs every VM of the job again",
            related.RETRY_RUNS_WHOLE_JOB,
        ),
        Mutant(
            "notify-suppression-ignored",
            "JR.NOTIFY.SUPPRESSED",
            "sends a notification after every attempt although they are held back until the last retry",
            related.SUPPRESSION_IGNORED,
        ),
        Mutant(
            "notify-final-only",
            "JR.NOTIFY.EVERY-RETRY",
            "sends only the final status although notifications are not held back",
            related.FINAL_NOTICE_ONLY,
        ),
        Mutant(
            "script-after-initial-run",
            "JR.AFTER-JOB.SCRIPT",
            "runs the post-job script after the initial run, before the retries",
            related.SCRIPT_AFTER_INITIAL_RUN,
        ),
        Mutant(
            "chained-after-every-attempt",
            "JR.AFTER-JOB.CHAINED",
            "starts the chained job after every attempt, not once after the last",
            related.CHAINED_AFTER_EVERY_ATTEMPT,
        ),
    )
}
"""Wrong implementations: each breaks a rule the page documents (normative or a worked example), so the
suite must answer "no" for every one, with that rule failed."""


READINGS: dict[str, Mutant] = {
    m.name: m
    for m in (
        Mutant(
            "job-failure-ignored",
            "JR.JOB-FAILURE",
            "a job-level error does not fail the session",
            _status_ignores_job_failure,
        ),
        Mutant(
            "retry-run-retried",
            "JR.MANUAL-RETRY.NOT-RETRIED",
            "a session of the Retry command gets the job's automatic retries",
            related.RETRY_COMMAND_RETRIED,
        ),
        Mutant(
            "notify-retries-only",
            "JR.NOTIFY.INITIAL-RUN",
            "without suppression, a notification follows each retry but not the initial run before them",
            related.NO_NOTICE_OF_INITIAL_RUN,
        ),
        Mutant(
            "sf-retry-into-earlier-file",
            "JR.MANUAL-RETRY.CHAIN",
            "single-file: a Retry writes into the file of the session it retries",
            rewrite=related.RETRY_INTO_EARLIER_FILE,
        ),
    )
}
"""Other readings of points the page leaves open: each differs from one of the kit's interpretations and
breaks nothing the page documents, so the suite must answer "yes" and report that interpretation as
differing (and "no" under ``--interpretations fail``)."""


def run_with(mutant: Mutant) -> Callable[[Json], Json]:
    mutant.patch()

    def run(scenario: Json) -> Json:
        """Like a product, a mutant follows the kit's default readings whatever the scenario carries."""
        received = dataclasses.replace(scenario_from_json(scenario), readings=DEFAULT_READINGS)
        return mutant.rewrite(scenario, trace_to_json(engine.run(received)))

    return run


def main(argv: list[str]) -> int:
    every = MUTANTS | READINGS
    if argv[1:] == ["--list"]:
        for mutant in every.values():
            kind = "mutant" if mutant.name in MUTANTS else "reading"
            print(f"{mutant.name:30} {kind:8} {mutant.rule:30} {mutant.defect}")
        return 0
    if len(argv) != 2 or argv[1] not in every:
        print(f"usage: {argv[0]} NAME | --list   (NAME is one of: {', '.join(every)})", file=sys.stderr)
        return 2
    mutant = every[argv[1]]
    return serve(
        run_with(mutant), name=f"mutant-{mutant.name}", version=__version__, capabilities=ALL_CAPABILITIES
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
