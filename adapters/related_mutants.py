"""The replaced decisions and rewritten traces of the mutants and readings of the rules from Veeam's
related pages (JR.WAIT.*, JR.MANUAL-RETRY.*, JR.NOTIFY.*, JR.AFTER-JOB.*); adapters/mutants.py lists them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from retrykit.reference import engine, related
from retrykit.reference.model import Job, Notifications, Session, SessionPlan, Trigger

Json = dict[str, Any]

_notifications = related.notifications


def _set(module: object, name: str, value: object) -> Callable[[], None]:
    return lambda: setattr(module, name, value)


def _notify_as_if(suppressed: bool) -> Callable[[], None]:
    """Notifications sent as if the job's option were ``suppressed``, whatever it is."""

    def notifications(job: Job, session: Session) -> Any:
        if job.notifications is not None:
            job = replace(job, notifications=Notifications(suppressed))
        return _notifications(job, session)

    return _set(related, "notifications", notifications)


def _no_notice_of_initial_run() -> None:
    def notifications(job: Job, session: Session) -> Any:
        sent = _notifications(job, session)
        held = job.notifications is not None and job.notifications.suppress_until_last_retry
        return sent if held or len(session.attempts) == 1 else sent[1:]

    related.notifications = notifications


def _retried_retry_command(job: Job, plan: SessionPlan) -> int:
    return job.retry.effective_count if plan.trigger is not Trigger.MANUAL else 0


def _retry_into_earlier_file(scenario: Json, trace: Json) -> Json:
    """Single-file: a Retry's restore points go into the latest file of an earlier session."""
    if scenario["job"]["chain_format"] != "single_file":
        return trace
    retries = {n for n, s in enumerate(scenario["sessions"], start=1) if s.get("trigger") == "retry"}
    result = copy.deepcopy(trace)
    for file in list(result["files"]):
        earlier = [f for f in result["files"] if f["session"] < file["session"]]
        if file["session"] in retries and earlier:
            max(earlier, key=lambda f: (f["session"], f["attempt"]))["restore_points"] += file[
                "restore_points"
            ]
            result["files"].remove(file)
    return result


RETRY_WITHOUT_WAIT = _set(related, "retry_wait", lambda job: 0)
CONTINUOUS_WAITS = _set(related, "retry_wait", lambda job: job.retry.wait_minutes or 0)
RETRY_NEVER_REFUSED = _set(engine, "refuses_retry", lambda previous: False)
RETRY_RUNS_WHOLE_JOB = _set(engine, "retry_command_job", lambda job, left_over: job)
SUPPRESSION_IGNORED = _notify_as_if(suppressed=False)
FINAL_NOTICE_ONLY = _notify_as_if(suppressed=True)
SCRIPT_AFTER_INITIAL_RUN = _set(
    related,
    "post_job_script_after",
    lambda job, session: (1,) if job.post_job_script and session.attempts else (),
)
CHAINED_AFTER_EVERY_ATTEMPT = _set(
    related,
    "chained_job_after",
    lambda job, session: tuple(a.number for a in session.attempts) if job.chained_job else (),
)
RETRY_COMMAND_RETRIED = _set(engine, "allowed_retries", _retried_retry_command)
NO_NOTICE_OF_INITIAL_RUN = _no_notice_of_initial_run
RETRY_INTO_EARLIER_FILE = _retry_into_earlier_file
