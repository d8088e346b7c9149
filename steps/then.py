"""``Then`` steps: each compares one thing a feature states with the trace, whatever target produced it."""

from __future__ import annotations

from pytest_bdd import parsers, then
from tabulate import tabulate

from reference.model import Session, SessionStatus
from retrykit.chain_view import FileRow, chain_rows, parse_row
from retrykit.verdicts import ExpectationMismatch
from steps.when import Run

_HEADERS = ["kind", "created by", "restore points"]


def _session(run: Run, number: int) -> Session:
    for session in run.trace.sessions:
        if session.number == number:
            return session
    raise ExpectationMismatch(
        f"session {number}", "the session to exist", f"{len(run.trace.sessions)} session(s)"
    )


def _vm_list(text: str) -> list[str]:
    return [] if text == "no task" else [vm.strip() for vm in text.split(",")]


def _check(what: str, expected: object, observed: object) -> None:
    if expected != observed:
        raise ExpectationMismatch(what, str(expected), str(observed))


@then(parsers.re(r"the job has (?P<count>\d+) sessions?"), converters={"count": int})
def session_count(run: Run, count: int) -> None:
    _check("number of job sessions", count, len(run.trace.sessions))


@then(
    parsers.re(r"session (?P<session>\d+) has (?P<count>\d+) attempts?"),
    converters={"session": int, "count": int},
)
def attempt_count(run: Run, session: int, count: int) -> None:
    _check(f"attempts in session {session}", count, len(_session(run, session).attempts))


@then(parsers.re(r"session (?P<session>\d+) is not retried"), converters={"session": int})
def not_retried(run: Run, session: int) -> None:
    _check(f"attempts in session {session} (no retry)", 1, len(_session(run, session).attempts))


@then(
    parsers.re(
        r'attempt (?P<attempt>\d+) of session (?P<session>\d+) runs (?:"(?P<vms>[^"]+)"|(?P<none>no task))'
    ),
    converters={"attempt": int, "session": int},
)
def attempt_tasks(run: Run, attempt: int, session: int, vms: str | None, none: str | None) -> None:
    attempts = _session(run, session).attempts
    if attempt > len(attempts):
        raise ExpectationMismatch(
            f"attempt {attempt} of session {session}", "the attempt to run", f"{len(attempts)} attempt(s)"
        )
    observed = [t.vm for t in attempts[attempt - 1].tasks]
    expected = _vm_list(vms) if vms else []
    _check(
        f"tasks of attempt {attempt} in session {session}",
        ", ".join(expected) or "no task",
        ", ".join(observed) or "no task",
    )


@then(
    parsers.re(r'"(?P<vm>[^"]+)" runs (?P<count>\d+) times? in session (?P<session>\d+)'),
    converters={"count": int, "session": int},
)
def runs_of_vm(run: Run, vm: str, count: int, session: int) -> None:
    observed = sum(t.vm == vm for a in _session(run, session).attempts for t in a.tasks)
    _check(f"runs of {vm} in session {session}", count, observed)


@then(
    parsers.re(r'session (?P<session>\d+) ends "(?P<status>Success|Warning|Failed)"'),
    converters={"session": int},
)
def session_status(run: Run, session: int, status: str) -> None:
    _check(
        f"status of session {session}",
        SessionStatus(status.lower()).value,
        _session(run, session).status.value,
    )


@then(
    parsers.re(r"session (?P<session>\d+) is (?P<negation>not )?marked as stopped by the user"),
    converters={"session": int},
)
def stopped_flag(run: Run, session: int, negation: str | None) -> None:
    _check(
        f"session {session} stopped by the user", negation is None, _session(run, session).stopped_manually
    )


def _table(rows: list[FileRow]) -> str:
    return (
        "\n" + tabulate([r.cells() for r in rows], headers=_HEADERS, tablefmt="github") if rows else "no file"
    )


@then("the chain holds exactly these backup files:")
def chain_files(run: Run, datatable: list[list[str]]) -> None:
    header, *body = datatable
    columns = [h.strip() for h in header]
    if columns != _HEADERS:
        raise ExpectationMismatch("chain table header", " | ".join(_HEADERS), " | ".join(columns))
    expected = sorted(parse_row(*row) for row in body)
    observed = chain_rows(run.trace)
    _check("backup files of the chain", _table(expected), _table(observed))


@then("the chain holds no backup file")
def chain_empty(run: Run) -> None:
    _check("backup files of the chain", _table([]), _table(chain_rows(run.trace)))


@then(parsers.re(r"session (?P<session>\d+) creates no backup file"), converters={"session": int})
def session_without_file(run: Run, session: int) -> None:
    created = [r for r in chain_rows(run.trace) if r.session == session]
    _check(f"files created by session {session}", _table([]), _table(created))
