"""``Then`` steps: each states one claim about the trace, whatever target produced it.

Claims are soft (retrykit.verdicts.ClaimLog): a failed one is recorded with the session it is about and
the scenario goes on, so the grading sees every expectation and lays each at the rules it rests on.
Nothing here judges what the page leaves free: the order of tasks inside a run, of files, of restore
points, and file ids.
"""

from __future__ import annotations

from pytest_bdd import parsers, then
from tabulate import tabulate

from retrykit.chain_view import FileRow, chain_rows, parse_row
from retrykit.errors import ScenarioAuthoringError
from retrykit.oracles import JOB_WIDE
from retrykit.readings import scenario_mismatch
from retrykit.reference.model import Session, SessionStatus
from retrykit.steps.when import Run
from retrykit.verdicts import ClaimLog

_HEADERS = ["kind", "created by", "restore points"]


def _session(run: Run, claims: ClaimLog, number: int) -> Session | None:
    for session in run.trace.sessions:
        if session.number == number:
            return session
    claims.check(f"session {number}", "the session to exist", f"{len(run.trace.sessions)} session(s)", number)
    return None


def _vm_list(text: str) -> str:
    return "no task" if text == "no task" else ", ".join(sorted(vm.strip() for vm in text.split(",")))


@then(parsers.re(r"the job has (?P<count>\d+) sessions?"), converters={"count": int})
def job_session_count(run: Run, claims: ClaimLog, count: int) -> None:
    claims.check("number of job sessions", count, len(run.trace.sessions))


@then(
    parsers.re(r"session (?P<session>\d+) has (?P<count>\d+) attempts?"),
    converters={"session": int, "count": int},
)
def attempt_count(run: Run, claims: ClaimLog, session: int, count: int) -> None:
    found = _session(run, claims, session)
    if found is not None:
        claims.check(f"attempts in session {session}", count, len(found.attempts), session)


@then(parsers.re(r"session (?P<session>\d+) is not retried"), converters={"session": int})
def not_retried(run: Run, claims: ClaimLog, session: int) -> None:
    found = _session(run, claims, session)
    if found is not None:
        claims.check(f"attempts in session {session} (no retry)", 1, len(found.attempts), session)


@then("the target refuses the job's retry settings")
def settings_refused(run: Run, claims: ClaimLog) -> None:
    observed = "refused" if run.refused else f"run: {len(run.trace.sessions)} session(s)"
    claims.check("the job's retry settings", "refused", observed)


@then(
    parsers.re(
        r'attempt (?P<attempt>\d+) of session (?P<session>\d+) runs (?:"(?P<vms>[^"]+)"|(?P<none>no task))'
    ),
    converters={"attempt": int, "session": int},
)
def attempt_tasks(
    run: Run, claims: ClaimLog, attempt: int, session: int, vms: str | None, none: str | None
) -> None:
    """The tasks of a run, in any order: the page fixes none."""
    found = _session(run, claims, session)
    if found is None:
        return
    if attempt > len(found.attempts):
        claims.check(
            f"attempt {attempt} of session {session}",
            "the attempt to run",
            f"{len(found.attempts)} attempt(s)",
            session,
        )
        return
    observed = ", ".join(sorted(t.vm for t in found.attempts[attempt - 1].tasks)) or "no task"
    claims.check(
        f"tasks of attempt {attempt} in session {session}", _vm_list(vms or "no task"), observed, session
    )


@then(
    parsers.re(r'"(?P<vm>[^"]+)" runs (?P<count>\d+) times? in session (?P<session>\d+)'),
    converters={"count": int, "session": int},
)
def runs_of_vm(run: Run, claims: ClaimLog, vm: str, count: int, session: int) -> None:
    found = _session(run, claims, session)
    if found is not None:
        observed = sum(t.vm == vm for a in found.attempts for t in a.tasks)
        claims.check(f"runs of {vm} in session {session}", count, observed, session)


@then(
    parsers.re(r'session (?P<session>\d+) ends "(?P<status>Success|Warning|Failed)"'),
    converters={"session": int},
)
def session_status(run: Run, claims: ClaimLog, session: int, status: str) -> None:
    found = _session(run, claims, session)
    if found is not None:
        expected = SessionStatus(status.lower()).value
        claims.check(f"status of session {session}", expected, found.status.value, session)


@then(
    parsers.re(
        r"under the reading (?P<name>[a-z-]+)=(?P<value>[a-z-]+), "
        r'session (?P<session>\d+) ends "(?P<status>Success|Warning|Failed)"'
    ),
    converters={"session": int},
)
def session_status_under(
    run: Run, claims: ClaimLog, name: str, value: str, session: int, status: str
) -> None:
    """A status that only that alternative of a reading calls for; under another the step claims nothing."""
    if not scenario_mismatch([(name, value)], run.scenario.readings):
        session_status(run, claims, session, status)


@then(
    parsers.re(r"session (?P<session>\d+) is (?P<negation>not )?marked as stopped by the user"),
    converters={"session": int},
)
def stopped_flag(run: Run, claims: ClaimLog, session: int, negation: str | None) -> None:
    found = _session(run, claims, session)
    if found is not None:
        claims.check(
            f"session {session} stopped by the user", negation is None, found.stopped_manually, session
        )


def _table(rows: list[FileRow]) -> str:
    return (
        "\n" + tabulate([r.cells() for r in rows], headers=_HEADERS, tablefmt="github") if rows else "no file"
    )


@then("the chain holds exactly these backup files:")
def chain_files(run: Run, claims: ClaimLog, datatable: list[list[str]]) -> None:
    """Files and restore points in any order, under any ids: rows are compared sorted."""
    header, *body = datatable
    columns = [h.strip() for h in header]
    if columns != _HEADERS:
        raise ScenarioAuthoringError(
            f"a chain table's header must read {' | '.join(_HEADERS)}, got {' | '.join(columns)}"
        )
    expected = sorted(parse_row(*row) for row in body)
    claims.check("backup files of the chain", _table(expected), _table(chain_rows(run.trace)), JOB_WIDE)


@then("the chain holds no backup file")
def chain_empty(run: Run, claims: ClaimLog) -> None:
    claims.check("backup files of the chain", _table([]), _table(chain_rows(run.trace)), JOB_WIDE)


@then(parsers.re(r"session (?P<session>\d+) creates no backup file"), converters={"session": int})
def session_without_file(run: Run, claims: ClaimLog, session: int) -> None:
    created = [r for r in chain_rows(run.trace) if r.session == session]
    claims.check(f"files created by session {session}", _table([]), _table(created), session)
