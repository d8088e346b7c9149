"""``retry-kit check-adapter``: a short conversation with an adapter, so its author learns what to fix in
seconds, before a whole run buries it under one error per scenario.

It shakes hands, sends a run where nothing fails and one where a VM fails the initial run, compares both
answers with the reference engine's decisions, and asks the adapter to shut down; every check says what
passed or, when it did not, how to fix it, with the time it took and the adapter's last stderr lines.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from enum import StrEnum

from retrykit import contract
from retrykit.adapter import PROTOCOL_VERSION, AdapterTarget
from retrykit.canonical import Json, canonical, differences
from retrykit.errors import ErrorKind, TargetError, TargetSkipped
from retrykit.oracles import judge
from retrykit.reference import engine
from retrykit.reference.model import (
    ChainFormat,
    InjectedOutcome,
    Job,
    Scenario,
    SessionPlan,
    TaskResult,
    Trace,
)
from retrykit.text import printable

_STDERR_SETTLE = 0.05
_FIELD = re.compile(r" at (\$[^:]*):")
_FIXES = {
    ErrorKind.HANDSHAKE: "answer the kit's hello with one line: "
    f'{{"type":"hello","protocol":"{PROTOCOL_VERSION}","implementation":{{"name":...,"version":...}},'
    '"capabilities":[...]} (schemas/protocol.schema.json, hello_response)',
    ErrorKind.CRASH: "keep running and answering until 'shutdown'; the adapter's stderr says why it ended",
    ErrorKind.TIMEOUT: "answer with one line on stdout, flushed, within the timeout (--adapter-timeout)",
    ErrorKind.PROTOCOL: "answer each run with one JSON line, a 'result' with the run's seq and a trace as "
    "schemas/protocol.schema.json and schemas/trace.schema.json describe; nothing else on stdout",
    ErrorKind.CONTRACT: "answer a run of the scenario asked: its VMs, its sessions, its injected outcomes",
    ErrorKind.REPORTED: "the adapter answered 'error': fix what it reports",
}


class Status(StrEnum):
    PASSED = "ok"
    FAILED = "FAIL"
    NOT_RUN = "--"
    NOT_APPLICABLE = "n/a"
    """The adapter declares no capability the check needs: nothing wrong, and nothing judged yet."""


@dataclass(frozen=True)
class Check:
    """One line of the checklist, with what to fix beneath it when it did not pass."""

    title: str
    status: Status
    seconds: float
    detail: str
    fix: tuple[str, ...] = ()


def _scenarios(chain: ChainFormat) -> tuple[tuple[str, Scenario], ...]:
    job = Job("Check job", ("VM 1", "VM 2"), chain)
    failing = SessionPlan(outcomes=(InjectedOutcome("VM 2", 1, TaskResult.FAILED),))
    return (
        ("a run where nothing fails", Scenario(job, (SessionPlan(),))),
        ("a run where VM 2 fails the initial run", Scenario(job, (failing,))),
    )


def _stderr(target: AdapterTarget) -> tuple[str, ...]:
    """The live adapter's last stderr lines (a crash or a timeout quotes them in its own message). The
    process is AdapterTarget's; the Target interface has no place for what only a self-check wants."""
    process = target._process
    tail = process.stderr_tail(settle=_STDERR_SETTLE) if process is not None else ""
    return (f"stderr: {tail}",) if tail else ()


def _cause(error: TargetError) -> ErrorKind:
    """What went wrong: a failed handshake quotes the crash or timeout behind it as its message's prefix."""
    message = str(error.args[0])
    return next((k for k in (ErrorKind.CRASH, ErrorKind.TIMEOUT) if message.startswith(f"{k}: ")), error.kind)


def _failed(title: str, seconds: float, error: TargetError, target: AdapterTarget) -> Check:
    message = str(error.args[0])
    field = _FIELD.search(message)
    fix = (
        *((f"offending field: {field[1]}",) if field else ()),
        *((_FIXES[_cause(error)],) if _cause(error) in _FIXES else ()),
        *_stderr(target),
    )
    return Check(title, Status.FAILED, seconds, f"{error.kind.value}: {message}", fix)


NOTHING_DECLARED = "not applicable: the adapter declares no chain format, so the kit judges nothing yet"


def _handshake(target: AdapterTarget) -> tuple[Check, ChainFormat | None]:
    title = "handshake"
    start = time.monotonic()
    try:
        target.start()
    except TargetError as error:
        return _failed(title, time.monotonic() - start, error, target), None
    seconds = time.monotonic() - start
    identity = target.identity
    detail = (
        f"{identity.name} {identity.version}, protocol {target.protocol}, window {target.window}; "
        f"capabilities: {', '.join(sorted(identity.capabilities)) or 'none'}"
    )
    chains = [c for c in ChainFormat if f"chain:{c.value}" in identity.capabilities]
    if not chains:
        fix = ("next: declare the chain formats your product keeps (chain:per_machine, chain:single_file)",)
        return Check(title, Status.PASSED, seconds, detail, fix), None
    return Check(title, Status.PASSED, seconds, detail), chains[0]


def _side_by_side(expected: Json, observed: Json) -> tuple[str, ...]:
    """The parts that differ, as the reference decides them and as the adapter answered (without what
    the page leaves free: task order, file order and ids)."""
    lines: list[str] = []
    for part in ("sessions", "files"):
        if expected[part] != observed[part]:
            shown = (_decoded(part, expected), _decoded(part, observed))
            lines += [f"expected {part}: {shown[0]}", f"observed {part}: {shown[1]}"]
    return tuple(lines)


def _decoded(part: str, form: Json) -> str:
    """One part of a canonical form as JSON; its files are kept as JSON text to sort them."""
    value = [json.loads(f) for f in form[part]] if part == "files" else form[part]
    return json.dumps(value, separators=(",", ":"))


def _compared(title: str, seconds: float, scenario: Scenario, trace: Trace, target: AdapterTarget) -> Check:
    expected = engine.run(scenario)
    if canonical(trace) == canonical(expected):
        return Check(title, Status.PASSED, seconds, "valid, and the reference engine's decisions")
    fix = (
        *(str(v) for v in judge(scenario, trace)),
        *_side_by_side(canonical(expected), canonical(trace)),
        *_stderr(target),
    )
    detail = f"other decisions than the reference engine: {'; '.join(differences(trace, expected))}"
    return Check(title, Status.FAILED, seconds, detail, fix)


def _run(target: AdapterTarget, title: str, scenario: Scenario) -> Check:
    start = time.monotonic()
    try:
        trace = target.run(scenario)
        contract.enforce(scenario, trace)
    except TargetError as error:
        return _failed(title, time.monotonic() - start, error, target)
    except TargetSkipped as skipped:
        fix = ("answer it: it needs only capabilities you declared", *_stderr(target))
        return Check(title, Status.FAILED, time.monotonic() - start, f"answered skipped: {skipped}", fix)
    return _compared(title, time.monotonic() - start, scenario, trace, target)


def _shutdown(target: AdapterTarget) -> Check:
    """After an error that ended the adapter, a fresh process is started, so shutdown is still checked."""
    title = "shutdown"
    fresh = target._process is None
    try:
        target.start()
    except TargetError:
        return Check(title, Status.NOT_RUN, 0.0, "not checked: the adapter cannot be started")
    process = target._process
    assert process is not None
    start = time.monotonic()
    target.close()
    seconds = time.monotonic() - start
    code = process.popen.returncode
    started = " (a fresh process: an error above ended the first)" if fresh else ""
    if code == 0:
        return Check(title, Status.PASSED, seconds, f"exited with status 0{started}")
    what = (
        "did not exit and was ended by the kit" if code is None or code < 0 else f"exited with status {code}"
    )
    fix = ("on 'shutdown' (or when stdin ends) exit with status 0, within 3 s",)
    return Check(title, Status.FAILED, seconds, what + started, fix)


def check(command: list[str], timeout: float) -> list[Check]:
    """Every check, in the order a run would meet them; a failed handshake leaves the runs unchecked."""
    target = AdapterTarget(command, timeout=timeout)
    try:
        shake, chain = _handshake(target)
        checks = [shake]
        for title, scenario in _scenarios(chain or ChainFormat.PER_MACHINE):
            if shake.status is Status.FAILED:
                checks.append(Check(title, Status.NOT_RUN, 0.0, "not sent: the handshake failed"))
            elif chain is None:
                checks.append(Check(title, Status.NOT_APPLICABLE, 0.0, NOTHING_DECLARED))
            else:
                checks.append(_run(target, title, scenario))
        checks.append(_shutdown(target))
    finally:
        target.close()
    return checks


def accepted(checks: list[Check]) -> bool:
    """Every check that applies passed: a starter that declares nothing yet speaks the protocol right."""
    return all(c.status in (Status.PASSED, Status.NOT_APPLICABLE) for c in checks)


def render(command: str, checks: list[Check]) -> str:
    """The checklist, every line safe for a terminal whatever the adapter wrote."""
    lines = [f"check-adapter: {command}"]
    for c in checks:
        took = f" ({c.seconds:.2f} s)" if c.status not in (Status.NOT_RUN, Status.NOT_APPLICABLE) else ""
        lines.append(f"[{c.status.value:^4}] {c.title}{took}: {c.detail}")
        lines.extend(f"       {line}" for line in c.fix)
    failed, not_run = (sum(c.status is s for c in checks) for s in (Status.FAILED, Status.NOT_RUN))
    idle = sum(c.status is Status.NOT_APPLICABLE for c in checks)
    lines.append(
        f"{failed} of {len(checks)} checks failed" + (f", {not_run} not run" if not_run else "")
        if failed or not_run
        else f"all {len(checks)} checks passed"
        if not idle
        else f"the adapter speaks the protocol: {len(checks) - idle} checks passed, "
        f"{idle} not applicable until it declares a chain format"
    )
    return "\n".join(printable(line, keep="") for line in lines) + "\n"
