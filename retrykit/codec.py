"""JSON <-> domain conversion for scenarios and traces.

Every target, the in-process reference included, answers in JSON that is
validated against ``schemas/`` before the checks look at it: one path for all.
"""

from __future__ import annotations

from typing import Any

from retrykit.reference.model import (
    Attempt,
    BackupFile,
    BackupKind,
    BackupMethod,
    ChainFormat,
    InjectedOutcome,
    Job,
    ManualStop,
    Notification,
    Notifications,
    RestorePoint,
    RetrySettings,
    Scenario,
    Session,
    SessionPlan,
    SessionStatus,
    StopMode,
    TaskResult,
    TaskRun,
    Trace,
    Trigger,
)
from retrykit.reference.readings import DEFAULT as DEFAULT_READINGS
from retrykit.validation import validate

Json = dict[str, Any]

# The decoders read one enum value per task run and restore point, after the schema has checked each is a
# member: a dict lookup costs a fraction of calling the enum. (scenario_from_json falls back on the enum,
# so a value the schema let through all the same is the ValueError it always was.)
_TRIGGERS = {m.value: m for m in Trigger}
_STATUSES = {m.value: m for m in SessionStatus}
_RESULTS = {m.value: m for m in TaskResult}
_KINDS = {m.value: m for m in BackupKind}
_CHAIN_FORMATS = {m.value: m for m in ChainFormat}
_METHODS = {m.value: m for m in BackupMethod}
_STOP_MODES = {m.value: m for m in StopMode}


def scenario_to_json(scenario: Scenario) -> Json:
    job = scenario.job
    retry: Json = {"enabled": job.retry.enabled}
    if job.retry.count is not None:
        retry["count"] = job.retry.count
    if job.retry.wait_minutes is not None:
        retry["wait_minutes"] = job.retry.wait_minutes
    sessions = []
    for plan in scenario.sessions:
        session: Json = {
            "trigger": plan.trigger.value,
            "outcomes": [{"vm": o.vm, "attempt": o.attempt, "result": o.result.value} for o in plan.outcomes],
            "job_failure_attempts": sorted(plan.job_failure_attempts),
        }
        if plan.stop is not None:
            session["stop"] = {"attempt": plan.stop.attempt, "after_tasks": plan.stop.after_tasks}
            if plan.stop.mode is not StopMode.IMMEDIATE:
                session["stop"]["mode"] = plan.stop.mode.value
        sessions.append(session)
    encoded: Json = {
        "name": job.name,
        "vms": list(job.vms),
        "chain_format": job.chain_format.value,
        "backup_method": job.backup_method.value,
        "retry": retry,
    }
    readings = scenario.readings.differing()
    return {"job": encoded | _related_settings_to_json(job), "sessions": sessions} | (
        {"readings": readings} if readings else {}
    )


def _related_settings_to_json(job: Job) -> Json:
    """The settings of the related pages' rules, only where set: a 1.1 adapter never sees them."""
    settings: Json = {}
    if job.continuous_schedule:
        settings["continuous_schedule"] = True
    if job.notifications is not None:
        settings["notifications"] = {"suppress_until_last_retry": job.notifications.suppress_until_last_retry}
    if job.post_job_script:
        settings["post_job_script"] = True
    if job.chained_job:
        settings["chained_job"] = True
    return settings


def scenario_from_json(document: Json) -> Scenario:
    """Validate and convert; semantic errors (unknown VM, duplicate outcome) raise ValueError."""
    validate("scenario", document)
    job = document["job"]
    retry = job.get("retry", {})
    notify = job.get("notifications")
    plans = []
    for session in document["sessions"]:
        stop = session.get("stop")
        trigger = session.get("trigger", "scheduled")
        plans.append(
            SessionPlan(
                trigger=_TRIGGERS.get(trigger) or Trigger(trigger),
                outcomes=tuple(
                    [
                        InjectedOutcome(
                            o["vm"], o["attempt"], _RESULTS.get(o["result"]) or TaskResult(o["result"])
                        )
                        for o in session.get("outcomes", [])
                    ]
                ),
                stop=None if stop is None else _stop_from_json(stop),
                job_failure_attempts=frozenset(session.get("job_failure_attempts", [])),
            )
        )
    chain_format = job["chain_format"]
    method = job.get("backup_method", "forward_incremental")
    return Scenario(
        Job(
            name=job["name"],
            vms=tuple(job["vms"]),
            chain_format=_CHAIN_FORMATS.get(chain_format) or ChainFormat(chain_format),
            backup_method=_METHODS.get(method) or BackupMethod(method),
            retry=RetrySettings(
                enabled=retry.get("enabled", True),
                count=retry.get("count"),
                wait_minutes=retry.get("wait_minutes"),
            ),
            continuous_schedule=job.get("continuous_schedule", False),
            notifications=None if notify is None else Notifications(notify["suppress_until_last_retry"]),
            post_job_script=job.get("post_job_script", False),
            chained_job=job.get("chained_job", False),
        ),
        tuple(plans),
        DEFAULT_READINGS.with_values(document.get("readings", {})),
    )


def _stop_from_json(stop: Json) -> ManualStop:
    mode = stop.get("mode", "immediate")
    return ManualStop(stop["attempt"], stop["after_tasks"], _STOP_MODES.get(mode) or StopMode(mode))


def _attempt_to_json(a: Attempt) -> Json:
    encoded: Json = {
        "number": a.number,
        "job_failure": a.job_failure,
        "tasks": [{"vm": t.vm, "result": t.result.value} for t in a.tasks],
    }
    if a.started_at is not None:
        encoded["started_at"] = a.started_at
    if a.ended_at is not None:
        encoded["ended_at"] = a.ended_at
    return encoded


def _session_to_json(s: Session) -> Json:
    """A session; what only the related pages' rules ask for is written only when there is some."""
    encoded: Json = {
        "number": s.number,
        "trigger": s.trigger.value,
        "status": s.status.value,
        "stopped_manually": s.stopped_manually,
        "attempts": [_attempt_to_json(a) for a in s.attempts],
    }
    if s.refused:
        encoded["refused"] = True
    if s.notifications:
        encoded["notifications"] = [
            {"after_attempt": n.after_attempt, "status": n.status.value} for n in s.notifications
        ]
    if s.post_job_script_after:
        encoded["post_job_script_after"] = list(s.post_job_script_after)
    if s.chained_job_after:
        encoded["chained_job_after"] = list(s.chained_job_after)
    return encoded


def trace_to_json(trace: Trace) -> Json:
    return {
        "sessions": [_session_to_json(s) for s in trace.sessions],
        "files": [
            {
                "id": f.id,
                "kind": f.kind.value,
                "session": f.session,
                "attempt": f.attempt,
                "restore_points": [
                    {"vm": p.vm, "kind": p.kind.value, "session": p.session, "attempt": p.attempt}
                    for p in f.restore_points
                ],
            }
            for f in trace.files
        ],
    }


def trace_from_json(document: Json) -> Trace:
    validate("trace", document)
    return decode_trace(document)


def decode_trace(document: Json) -> Trace:
    """A trace already checked against the schema (inside a protocol message, say), as domain values."""
    # List comprehensions made tuples, rather than generators: in CPython 3.11 they cost less.
    return Trace(
        tuple(
            [
                Session(
                    s["number"],
                    _TRIGGERS[s["trigger"]],
                    _STATUSES[s["status"]],
                    tuple(
                        [
                            Attempt(
                                a["number"],
                                tuple([TaskRun(t["vm"], _RESULTS[t["result"]]) for t in a["tasks"]]),
                                a.get("job_failure", False),
                                a.get("started_at"),
                                a.get("ended_at"),
                            )
                            for a in s["attempts"]
                        ]
                    ),
                    s["stopped_manually"],
                    s.get("refused", False),
                    tuple(
                        [
                            Notification(n["after_attempt"], _STATUSES[n["status"]])
                            for n in s.get("notifications", ())
                        ]
                    ),
                    tuple(s.get("post_job_script_after", ())),
                    tuple(s.get("chained_job_after", ())),
                )
                for s in document["sessions"]
            ]
        ),
        tuple(
            [
                BackupFile(
                    f["id"],
                    _KINDS[f["kind"]],
                    f["session"],
                    f["attempt"],
                    tuple(
                        [
                            RestorePoint(p["vm"], _KINDS[p["kind"]], p["session"], p["attempt"])
                            for p in f["restore_points"]
                        ]
                    ),
                )
                for f in document["files"]
            ]
        ),
    )
