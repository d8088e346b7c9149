"""``Then`` steps of the rules from Veeam's related pages: when retries start, the Retry command, what
the job sends and runs after its attempts. Each states one claim, as in steps/then.py."""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import parsers, then

from retrykit.reference.model import Attempt
from retrykit.steps.then import _session
from retrykit.steps.when import Run
from retrykit.verdicts import ClaimLog


def _retries(run: Run, claims: ClaimLog, session: int) -> list[tuple[Attempt, Attempt]]:
    found = _session(run, claims, session)
    if found is None:
        return []
    return list(zip(found.attempts, found.attempts[1:], strict=False))


def _gap(before: Attempt, after: Attempt, enough: Callable[[float], bool], claim: str) -> str:
    """The claim itself when the gap between the attempts satisfies it, else the gap as observed."""
    if before.ended_at is None or after.started_at is None:
        return "no time reported"
    gap = after.started_at - before.ended_at
    return claim if enough(gap) else f"{gap:g}"


@then(
    parsers.re(
        r"every retry of session (?P<session>\d+) starts (?P<minutes>\d+) minutes? or more after the "
        r"attempt before it ended"
    ),
    converters={"session": int, "minutes": int},
)
def retries_wait(run: Run, claims: ClaimLog, session: int, minutes: int) -> None:
    claim = f"{minutes} or more"
    for before, after in _retries(run, claims, session):
        observed = _gap(before, after, lambda gap: gap >= minutes, claim)
        claims.check(
            f"minutes from attempt {before.number} to {after.number} of session {session}",
            claim,
            observed,
            session,
        )


@then(
    parsers.re(
        r"every retry of session (?P<session>\d+) starts less than a minute after the attempt before it ended"
    ),
    converters={"session": int},
)
def follows_at_once(run: Run, claims: ClaimLog, session: int) -> None:
    claim = "less than 1"
    for before, after in _retries(run, claims, session):
        observed = _gap(before, after, lambda gap: 0 <= gap < 1, claim)
        claims.check(
            f"minutes from attempt {before.number} to {after.number} of session {session}",
            claim,
            observed,
            session,
        )


@then(parsers.re(r"session (?P<session>\d+) is (?P<negation>not )?refused"), converters={"session": int})
def retry_refused(run: Run, claims: ClaimLog, session: int, negation: str | None) -> None:
    found = _session(run, claims, session)
    if found is not None:
        claims.check(f"session {session} refused", negation is None, found.refused, session)


@then(
    parsers.re(r"session (?P<session>\d+) sends these notifications: (?P<sent>.+)"),
    converters={"session": int},
)
def notifications_sent(run: Run, claims: ClaimLog, session: int, sent: str) -> None:
    """``sent`` lists each notification as ``<Status> after attempt <n>``, in order, separated by commas."""
    found = _session(run, claims, session)
    if found is not None:
        observed = ", ".join(
            f"{n.status.value.capitalize()} after attempt {n.after_attempt}" for n in found.notifications
        )
        claims.check(f"notifications of session {session}", sent, observed or "none", session)


@then(
    parsers.re(
        r"the (?P<what>post-job script runs|chained job starts) once in session (?P<session>\d+), "
        r"after attempt (?P<attempt>\d+)"
    ),
    converters={"session": int, "attempt": int},
)
def runs_after_job(run: Run, claims: ClaimLog, what: str, session: int, attempt: int) -> None:
    found = _session(run, claims, session)
    if found is not None:
        script = what.startswith("post-job")
        ran = found.post_job_script_after if script else found.chained_job_after
        noun = "post-job script" if script else "chained job"
        claims.check(f"attempts followed by the {noun} in session {session}", [attempt], list(ran), session)
