"""``Given`` steps: they only describe the scenario; nothing runs until the ``When`` step."""

from __future__ import annotations

from pytest_bdd import given, parsers

from retrykit.reference.model import ChainFormat, RetrySettings, StopMode, TaskResult, Trigger
from retrykit.steps.draft import ScenarioAuthoringError, ScenarioDraft

_CHAINS = {"per-machine": ChainFormat.PER_MACHINE, "single-file": ChainFormat.SINGLE_FILE}
_CELL_RESULTS = {"success": TaskResult.SUCCESS, "warning": TaskResult.WARNING, "failed": TaskResult.FAILED}


@given(parsers.re(r"a backup job protecting (?P<count>\d+) VMs?"), converters={"count": int})
def job_with_vms(draft: ScenarioDraft, count: int) -> None:
    if count < 1:
        raise ScenarioAuthoringError("a job protects at least one VM")
    draft.vm_count = count


@given(parsers.re(r"the job keeps a (?P<chain>per-machine|single-file) backup chain"))
def chain_format(draft: ScenarioDraft, chain: str) -> None:
    draft.chain_format = _CHAINS[chain]


@given("the job uses the forward incremental method")
def forward_incremental(draft: ScenarioDraft) -> None:
    """The only method the page's examples use; the scenario JSON states it explicitly."""


@given("the job keeps the default retry setting")
def default_retry(draft: ScenarioDraft) -> None:
    draft.retry = RetrySettings()


@given(parsers.re(r"the job is set to retry failed items (?P<count>\d+) times?"), converters={"count": int})
def custom_retry(draft: ScenarioDraft, count: int) -> None:
    draft.retry = RetrySettings(count=count)


@given("automatic retry is switched off for the job")
def retry_off(draft: ScenarioDraft) -> None:
    draft.retry = RetrySettings(enabled=False)


@given(parsers.re(r"the job runs (?P<count>\d+) scheduled sessions?"), converters={"count": int})
def session_count(draft: ScenarioDraft, count: int) -> None:
    draft.session(count)


@given(
    parsers.re(r"session (?P<session>\d+) is started (?P<how>manually|by the schedule)"),
    converters={"session": int},
)
def session_trigger(draft: ScenarioDraft, session: int, how: str) -> None:
    draft.session(session).trigger = Trigger.MANUAL if how == "manually" else Trigger.SCHEDULED


@given(
    parsers.re(r'"(?P<vm>[^"]+)" fails attempt (?P<attempt>\d+) of session (?P<session>\d+)'),
    converters={"attempt": int, "session": int},
)
def fails_once(draft: ScenarioDraft, vm: str, attempt: int, session: int) -> None:
    draft.inject(session, vm, attempt, TaskResult.FAILED)


@given(
    parsers.re(r'"(?P<vm>[^"]+)" fails attempts (?P<first>\d+) to (?P<last>\d+) of session (?P<session>\d+)'),
    converters={"first": int, "last": int, "session": int},
)
def fails_range(draft: ScenarioDraft, vm: str, first: int, last: int, session: int) -> None:
    if last < first:
        raise ScenarioAuthoringError(f"attempts {first} to {last}: the range is empty")
    for attempt in range(first, last + 1):
        draft.inject(session, vm, attempt, TaskResult.FAILED)


@given(
    parsers.re(r'"(?P<vm>[^"]+)" fails every attempt of session (?P<session>\d+)'),
    converters={"session": int},
)
def fails_throughout(draft: ScenarioDraft, vm: str, session: int) -> None:
    draft.session(session).failing_throughout.add(draft.vm(vm))


@given(
    parsers.re(
        r'"(?P<vm>[^"]+)" ends with a warning in attempt (?P<attempt>\d+) of session (?P<session>\d+)'
    ),
    converters={"attempt": int, "session": int},
)
def warns(draft: ScenarioDraft, vm: str, attempt: int, session: int) -> None:
    draft.inject(session, vm, attempt, TaskResult.WARNING)


@given(parsers.re(r"the task outcomes of session (?P<session>\d+) are:"), converters={"session": int})
def outcome_table(draft: ScenarioDraft, session: int, datatable: list[list[str]]) -> None:
    """A grid of VMs x attempts; an empty cell leaves that run to succeed by default."""
    header, *rows = datatable
    attempts = []
    for title in header[1:]:
        word, _, number = title.strip().partition(" ")
        if word != "attempt" or not number.isdigit():
            raise ScenarioAuthoringError(
                f"outcome table columns after 'VM' must be 'attempt N', got {title!r}"
            )
        attempts.append(int(number))
    for vm, *cells in rows:
        for attempt, cell in zip(attempts, cells, strict=True):
            text = cell.strip().lower()
            if not text:
                continue
            if text not in _CELL_RESULTS:
                raise ScenarioAuthoringError(f"outcome {cell!r} for {vm}: use success, warning or failed")
            draft.inject(session, vm.strip(), attempt, _CELL_RESULTS[text])


@given(
    parsers.re(
        r"the user stops session (?P<session>\d+) during attempt (?P<attempt>\d+) "
        r"after (?P<tasks>\d+) tasks? (?:has|have) finished"
    ),
    converters={"session": int, "attempt": int, "tasks": int},
)
def manual_stop(draft: ScenarioDraft, session: int, attempt: int, tasks: int) -> None:
    draft.stop(session, attempt, tasks)


@given(
    parsers.re(
        r"the user stops session (?P<session>\d+) gracefully during attempt (?P<attempt>\d+) "
        r"(?:while task (?P<task>\d+) is being processed|(?P<before>before its first task starts))"
    ),
    converters={"session": int, "attempt": int},
)
def graceful_stop(
    draft: ScenarioDraft, session: int, attempt: int, task: str | None, before: str | None
) -> None:
    """A graceful stop lets the task being processed, and those before it, finish; none starts after."""
    draft.stop(session, attempt, 0 if before else int(task or 0), StopMode.GRACEFUL)


@given(
    parsers.re(r"attempt (?P<attempt>\d+) of session (?P<session>\d+) ends with a job-level error"),
    converters={"attempt": int, "session": int},
)
def job_failure(draft: ScenarioDraft, attempt: int, session: int) -> None:
    draft.session(session).job_failures.add(attempt)
