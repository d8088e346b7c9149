"""What Veeam's related pages add to a session once its attempts are known: when each attempt ran, the
notifications the job sent, and when its post-job script and chained job ran.

None of it changes a decision of the Job Retry page, so it is worked out from the finished sessions. The
clock is the engine's own, in minutes, computed from the scenario alone: it starts at 0, an attempt takes a
minute per task it runs (a minute when it runs none), and sessions lie an hour apart.
"""

from __future__ import annotations

from dataclasses import replace

from retrykit.reference.model import Attempt, Job, Notification, Session, SessionStatus, Trace

SESSION_GAP_MINUTES = 60
"""Between the end of one session and the start of the next: any gap will do, no rule judges it."""


def reports_times(job: Job) -> bool:
    """Times are reported for the scenarios the wait rules judge: a retry wait or a continuous schedule."""
    return job.retry.wait_minutes is not None or job.continuous_schedule


def retry_wait(job: Job) -> int:
    """JR.WAIT.BETWEEN: the configured wait before each retry; JR.WAIT.CONTINUOUS: none on a continuous
    schedule."""
    return 0 if job.continuous_schedule else job.retry.wait_minutes or 0


def timed(job: Job, sessions: tuple[Session, ...]) -> tuple[Session, ...]:
    """Each attempt with its start and end on the engine's clock."""
    clock = 0
    result = []
    for session in sessions:
        attempts: list[Attempt] = []
        for attempt in session.attempts:
            start = clock if not attempts else clock + retry_wait(job)
            clock = start + max(1, len(attempt.tasks))
            attempts.append(replace(attempt, started_at=start, ended_at=clock))
        clock += SESSION_GAP_MINUTES if attempts else 0
        result.append(replace(session, attempts=tuple(attempts)))
    return tuple(result)


def notifications(job: Job, session: Session) -> tuple[Notification, ...]:
    """JR.NOTIFY.SUPPRESSED: one notification, of the final status, after the last attempt; otherwise
    JR.NOTIFY.EVERY-RETRY and I.NOTIFY.INITIAL-RUN: one after every attempt, with the status the session
    stood at then (Failed before a retry, which only a failed session gets)."""
    if job.notifications is None or not session.attempts:
        return ()
    last = session.attempts[-1].number
    if job.notifications.suppress_until_last_retry:
        return (Notification(last, session.status),)
    earlier = tuple(Notification(a.number, SessionStatus.FAILED) for a in session.attempts[:-1])
    return (*earlier, Notification(last, session.status))


def post_job_script_after(job: Job, session: Session) -> tuple[int, ...]:
    """JR.AFTER-JOB.SCRIPT: once per session, after its last attempt: after every retry of a scheduled
    session, after the only attempt of a manual one."""
    return (session.attempts[-1].number,) if job.post_job_script and session.attempts else ()


def chained_job_after(job: Job, session: Session) -> tuple[int, ...]:
    """JR.AFTER-JOB.CHAINED: the chained job starts once per session, after its last attempt, whatever
    the session's status."""
    return (session.attempts[-1].number,) if job.chained_job and session.attempts else ()


def annotate(job: Job, trace: Trace) -> Trace:
    """The trace with what the related pages' rules ask for, for a job that asks for it; a job that asks
    for none keeps its trace as it is (most jobs: copying every session would add nothing)."""
    if not (reports_times(job) or job.notifications is not None or job.post_job_script or job.chained_job):
        return trace
    sessions = timed(job, trace.sessions) if reports_times(job) else trace.sessions
    sessions = tuple(
        replace(
            s,
            notifications=notifications(job, s),
            post_job_script_after=post_job_script_after(job, s),
            chained_job_after=chained_job_after(job, s),
        )
        for s in sessions
    )
    return replace(trace, sessions=sessions)
