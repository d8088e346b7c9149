"""``Given`` steps of the rules from Veeam's related pages: job settings and the Retry command."""

from __future__ import annotations

from dataclasses import replace

from pytest_bdd import given, parsers

from retrykit.reference.model import Notifications, Trigger
from retrykit.steps.draft import ScenarioDraft


@given(parsers.re(r"the job waits (?P<minutes>\d+) minutes? before each retry"), converters={"minutes": int})
def job_waits_before_retries(draft: ScenarioDraft, minutes: int) -> None:
    draft.related = replace(draft.related, wait_minutes=minutes)


@given("the job runs on a continuous schedule")
def job_on_continuous_schedule(draft: ScenarioDraft) -> None:
    draft.related = replace(draft.related, continuous_schedule=True)


@given(parsers.re(r"the job sends notifications(?P<held>, held back until the last retry)?"))
def job_sends_notifications(draft: ScenarioDraft, held: str | None) -> None:
    held_back = Notifications(suppress_until_last_retry=held is not None)
    draft.related = replace(draft.related, notifications=held_back)


@given("the job runs a post-job script")
def job_runs_post_job_script(draft: ScenarioDraft) -> None:
    draft.related = replace(draft.related, post_job_script=True)


@given("another job is chained after the job")
def job_chained_after(draft: ScenarioDraft) -> None:
    draft.related = replace(draft.related, chained_job=True)


@given(
    parsers.re(r"the user asks for a Retry of the job as session (?P<session>\d+)"),
    converters={"session": int},
)
def session_is_retry_command(draft: ScenarioDraft, session: int) -> None:
    draft.session(session).trigger = Trigger.RETRY
