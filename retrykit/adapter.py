"""An external implementation, in any language, driven over JSON Lines on its stdin/stdout.

The adapter runs as one persistent child process in a process group of its own,
started from an argument list (never a shell). Every line it writes is parsed
and validated against ``schemas/protocol.schema.json`` before anything looks at
it. Whatever goes wrong (exit, silence, garbage, schema breach, wrong sequence
number, oversized message) becomes a TargetError of a specific kind for the
scenario at hand; the process is restarted for the next scenario where that can
help, and no process of the adapter outlives the run.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeGuard

from retrykit import __version__, wire
from retrykit.codec import decode_trace, scenario_to_json
from retrykit.drivers import Outcome, TargetIdentity
from retrykit.errors import ErrorKind, TargetError, TargetSkipped
from retrykit.reference.model import Scenario, Trace
from retrykit.text import printable
from retrykit.validation import SchemaViolation, validate

PROTOCOL_VERSION = "1.2"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
STDERR_KEPT_BYTES = 16 * 1024
_SHOWN_CHARS = 200
_START_FAILURES_BEFORE_GIVING_UP = 2
DEFAULT_MAX_FAILURES = 3
"""Crashes or timeouts in a row after which the adapter counts as unresponsive and the run stops early."""
_SHUTDOWN_GRACE = 3.0
_EXIT_POLL = 0.05
_EXIT_GRACE = 0.5
_READER_POLL = 0.1
_READ_CHUNK = 65536
_ADAPTER_MESSAGES = {"hello": "hello_response", "result": "result", "skipped": "skipped", "error": "error"}


@dataclass(frozen=True)
class _Line:
    data: bytes


@dataclass(frozen=True)
class _Oversized:
    size: int


@dataclass(frozen=True)
class _Eof:
    pass


def _shorten(text: str) -> str:
    """Adapter text as it may be quoted: control characters escaped (an escape sequence in a message must
    not reach a terminal raw), and cut to a length a person reads."""
    shown = printable(text, keep="")
    return shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + f"... ({len(text)} characters)"


def _pipe_holders(inodes: frozenset[int]) -> set[int]:
    """Processes with one of these pipes open, read from /proc; empty where there is no /proc (the
    process group is then all that is ended, as docs/robustness.md says)."""
    wanted = {f"pipe:[{inode}]" for inode in inodes}
    holders = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                for fd in os.scandir(f"/proc/{entry.name}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(fd.path) in wanted:
                            holders.add(int(entry.name))
                            break
    return holders


class _Process:
    """One live adapter process: its stdin is written and its answers read by the harness's own thread,
    through non-blocking pipes and one selector, and its stderr is drained by a thread of its own.

    The stderr reader polls its pipe rather than block in it, and closes its own end: a daemon of the
    adapter that escaped its process group may hold the pipes open for ever, and closing a pipe under a
    reader blocked in it would block the harness with it.
    """

    def __init__(self, command: list[str], max_message_bytes: int) -> None:
        try:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            raise TargetError(
                f"cannot start adapter {command!r}: {error.strerror or error}", kind=ErrorKind.CRASH
            ) from None
        assert self.popen.stdout is not None and self.popen.stdin is not None
        self._limit = max_message_bytes
        self._stdout_fd = self.popen.stdout.fileno()
        self._stdin_fd = self.popen.stdin.fileno()
        os.set_blocking(self._stdin_fd, False)
        self._pipes = selectors.DefaultSelector()
        self._pipes.register(self._stdout_fd, selectors.EVENT_READ)
        self._outbox = bytearray()
        self._watching_stdin = False
        self._pending = bytearray()
        self._scanned = 0
        self._stdout_ended = False
        self._stopping = threading.Event()
        self._stderr: deque[bytes] = deque()
        self._stderr_size = 0
        self._stderr_lock = threading.Lock()
        self._stderr_drained = threading.Event()
        assert self.popen.stderr is not None
        self._pipe_inodes = frozenset(
            os.fstat(f).st_ino for f in (self._stdin_fd, self._stdout_fd, self.popen.stderr.fileno())
        )
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _chunks(self, stream: IO[bytes] | None) -> Iterator[bytes]:
        """What the pipe holds, chunk by chunk, until it ends or the process is killed."""
        assert stream is not None
        fd = stream.fileno()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    if not selector.select(_READER_POLL):
                        continue
                    chunk = os.read(fd, _READ_CHUNK)
                    if not chunk:
                        return
                    yield chunk
        except OSError:
            return
        finally:
            stream.close()

    def next_line(self, timeout: float) -> _Line | _Oversized | _Eof | None:
        """The next line on stdout, read in the caller's thread (no hand-off between threads on the
        hot path); None when nothing complete arrived within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            end = self._pending.find(b"\n", self._scanned)
            if end > self._limit or (end < 0 and len(self._pending) > self._limit):
                return _Oversized(end if end >= 0 else len(self._pending))
            if end >= 0:
                line = bytes(self._pending[: end + 1])
                del self._pending[: end + 1]
                self._scanned = 0
                return _Line(line)
            self._scanned = len(self._pending)
            if self._stdout_ended:
                if self._pending:
                    line = bytes(self._pending)
                    self._pending.clear()
                    return _Line(line)
                return _Eof()
            remaining = deadline - time.monotonic()
            ready = {key.fd for key, _ in self._pipes.select(max(remaining, 0))}
            if not ready:
                return None
            if self._stdin_fd in ready:
                self._flush()
            if self._stdout_fd not in ready:
                continue
            try:
                chunk = os.read(self._stdout_fd, _READ_CHUNK)
            except OSError:
                chunk = b""
            self._stdout_ended = not chunk
            self._pending += chunk

    def _read_stderr(self) -> None:
        try:
            for chunk in self._chunks(self.popen.stderr):
                with self._stderr_lock:
                    self._stderr.append(chunk)
                    self._stderr_size += len(chunk)
                    while self._stderr_size - len(self._stderr[0]) >= STDERR_KEPT_BYTES:
                        self._stderr_size -= len(self._stderr.popleft())
        finally:
            self._stderr_drained.set()

    def stderr_tail(self, settle: float = 0.0) -> str:
        """The last lines of stderr; ``settle`` waits that long for the pipe to be read to its end, so an
        adapter that has exited is quoted up to its last words."""
        self._stderr_drained.wait(settle)
        with self._stderr_lock:
            text = b"".join(self._stderr)[-STDERR_KEPT_BYTES:].decode("utf-8", "replace")
        lines = text.strip().splitlines()[-5:]
        return " | ".join(_shorten(line) for line in lines)

    def send(self, message: dict[str, Any]) -> None:
        self.queue(message)
        self._flush()

    def queue(self, message: dict[str, Any]) -> None:
        """Add a message to what goes out with the next flush: several runs sent in one write cost one
        system call and one wake-up of the adapter instead of one each."""
        self._outbox += wire.line(message)

    def flush(self) -> None:
        """Write what was queued, as far as the pipe takes it now (see _flush)."""
        self._flush()

    def _flush(self) -> None:
        """Write what the pipe takes now; next_line writes the rest as the adapter reads, so an adapter
        that stops reading its stdin can make the harness wait for an answer, never block it."""
        try:
            while self._outbox:
                del self._outbox[: os.write(self._stdin_fd, self._outbox)]
        except BlockingIOError:
            pass
        except OSError:
            self._outbox.clear()  # stdin is gone with the adapter: next_line reports how it ended
        if self._watching_stdin != bool(self._outbox):
            self._watching_stdin = bool(self._outbox)
            if self._watching_stdin:
                self._pipes.register(self._stdin_fd, selectors.EVENT_WRITE)
            else:
                self._pipes.unregister(self._stdin_fd)

    def kill(self) -> None:
        """End the whole process group, and every process still holding one of the adapter's pipes (a
        daemon that left the group with setsid), so nothing the adapter started survives; the stderr
        reader closes its own pipe."""
        self._stopping.set()
        holders = _pipe_holders(self._pipe_inodes) - {os.getpid()}
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        for pid in holders:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self._close_stdin()
        self._pipes.close()
        assert self.popen.stdout is not None
        self.popen.stdout.close()

    def _close_stdin(self) -> None:
        self._outbox.clear()
        self._flush()
        assert self.popen.stdin is not None
        with contextlib.suppress(OSError):
            self.popen.stdin.close()

    def shutdown(self) -> None:
        """Ask, then end its input as well, then insist."""
        self.send({"type": "shutdown"})
        self._close_stdin()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=_SHUTDOWN_GRACE)
        self.kill()


@dataclass
class _Slot:
    """One scenario of a pipelined batch, and its outcome once known."""

    scenario: Scenario
    outcome: Outcome | None = None


_LIVE: weakref.WeakSet[AdapterTarget] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for target in list(_LIVE):
        target.close()


def lost(outcome: Outcome) -> TypeGuard[TargetError]:
    """A crash or a timeout: what counts towards an adapter's being unresponsive (any answer, even a wrong
    one, shows it is alive)."""
    return isinstance(outcome, TargetError) and outcome.kind in (ErrorKind.CRASH, ErrorKind.TIMEOUT)


class AdapterTarget:
    """A Target behind the JSON adapter protocol."""

    def __init__(
        self,
        command: list[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_failures: int = DEFAULT_MAX_FAILURES,
    ) -> None:
        if not command:
            raise ValueError("the adapter command is empty")
        self.command = command
        self.timeout = timeout
        self.max_message_bytes = max_message_bytes
        self.identity = TargetIdentity(name=" ".join(os.path.basename(c) for c in command), version="unknown")
        self.protocol = ""
        self.restarts = 0
        self._process: _Process | None = None
        self._seq = 0
        self._start_failures = 0
        self._fatal: TargetError | None = None
        self._answered = 0
        """The last run the live process answered: a line repeating its seq unasked is a second answer."""
        self.max_failures = max_failures
        self._failures_in_a_row = 0
        self.window = 1
        """How many runs the adapter accepts in flight, from its hello (absent: 1)."""
        _LIVE.add(self)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process and shake hands; the identity and capabilities come from the answer.

        A hello that breaks the protocol, or a first start that never gets to a hello, ends the run for
        this adapter: every scenario is then an error of kind handshake, never judged on a guess."""
        if self._fatal is not None:
            raise self._fatal
        if self._process is not None:
            return
        if self._start_failures >= _START_FAILURES_BEFORE_GIVING_UP:
            raise TargetError(
                f"the adapter failed to start {self._start_failures} times; not starting it again this run",
                kind=ErrorKind.CRASH,
            )
        try:
            self._process = _Process(self.command, self.max_message_bytes)
            self._handshake()
        except TargetError as error:
            self._start_failures += 1
            if self.protocol and error.kind in (ErrorKind.CRASH, ErrorKind.TIMEOUT):
                raise
            self._stop_process()
            self._fatal = TargetError(str(error), kind=ErrorKind.HANDSHAKE)
            raise self._fatal from None
        self._start_failures = 0

    @property
    def handshake_error(self) -> str:
        """Why the adapter's hello was refused, for the report; empty when it was accepted."""
        fatal = self._fatal
        return str(fatal.args[0]) if fatal is not None and fatal.kind is ErrorKind.HANDSHAKE else ""

    def _handshake(self) -> None:
        self._send(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "kit": {"name": "job-retry-conformance-kit", "version": __version__},
            }
        )
        answer = self._receive("hello")
        if answer["type"] != "hello":
            raise TargetError(f"answered the handshake with a {answer['type']!r} message instead of 'hello'")
        major = answer["protocol"].split(".")[0]
        if major != PROTOCOL_VERSION.split(".")[0]:
            raise TargetError(
                f"announces protocol version {answer['protocol']}; "
                f"this kit speaks {PROTOCOL_VERSION.split('.')[0]}.x"
            )
        implementation = answer["implementation"]
        self.window = answer.get("window", 1)
        self.protocol = answer["protocol"]
        self.identity = TargetIdentity(
            implementation["name"],
            implementation["version"],
            frozenset(answer["capabilities"]),
            answer.get("readings", {}),
        )

    def close(self) -> None:
        if self._process is not None:
            self._process.shutdown()
            self._process = None
        _LIVE.discard(self)

    def _stop_process(self) -> None:
        self._answered = 0
        if self._process is not None:
            self._process.kill()
            self._process = None

    def _restart_later(self) -> None:
        """The stream is out of step or the process is gone: the next scenario gets a fresh process."""
        self._stop_process()
        self.restarts += 1

    # -- messages ------------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        assert self._process is not None
        self._process.send(message)

    def _receive(self, awaiting: str) -> dict[str, Any]:
        process = self._process
        assert process is not None
        item = self._next_line(process, awaiting)
        if isinstance(item, _Eof):
            try:
                code: int | None = process.popen.wait(timeout=_EXIT_GRACE)
            except subprocess.TimeoutExpired:
                code = None
            tail = process.stderr_tail(settle=_EXIT_GRACE)
            self._restart_later()
            what = "closed its stdout while still running" if code is None else f"exited (status {code})"
            raise TargetError(
                f"the adapter {what} before answering {awaiting}" + (f"; stderr: {tail}" if tail else ""),
                kind=ErrorKind.CRASH,
            )
        if isinstance(item, _Oversized):
            self._restart_later()
            raise TargetError(
                f"answer to {awaiting} is larger than the {self.max_message_bytes} bytes a message may have"
            )
        return self._parse(item.data, awaiting)

    def _next_line(self, process: _Process, awaiting: str) -> _Line | _Oversized | _Eof:
        """The next line, or EOF as soon as the adapter itself has exited: a grandchild that still holds
        the pipe open must not turn a crash into a timeout."""
        deadline = time.monotonic() + self.timeout
        while (remaining := deadline - time.monotonic()) > 0:
            line = process.next_line(min(_EXIT_POLL, remaining))
            if line is not None:
                return line
            if process.popen.poll() is not None:
                return process.next_line(_EXIT_POLL) or _Eof()
        tail = process.stderr_tail()
        self._restart_later()
        raise TargetError(
            f"no answer to {awaiting} within {self.timeout:g} s" + (f"; stderr: {tail}" if tail else ""),
            kind=ErrorKind.TIMEOUT,
        )

    def _parse(self, data: bytes, awaiting: str) -> dict[str, Any]:
        try:
            message = wire.read(data)
        except json.JSONDecodeError:
            self._restart_later()
            raise TargetError(
                f"printed a line that is not JSON while {awaiting} was awaited: "
                f"{_shorten(wire.as_text(data))!r}"
            ) from None
        except (RecursionError, ValueError) as error:
            self._restart_later()
            raise TargetError(
                f"answer to {awaiting} cannot be read: nested too deep or a number too long "
                f"({_shorten(str(error) or type(error).__name__)})"
            ) from None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in _ADAPTER_MESSAGES:
            raise TargetError(
                f"answer to {awaiting} breaks the protocol schema at $.type: "
                f"{_shorten(repr(kind))} is not one of {sorted(_ADAPTER_MESSAGES)}"
            )
        try:
            validate("protocol", message, _ADAPTER_MESSAGES[kind])
        except RecursionError:
            raise TargetError(
                f"answer to {awaiting} is nested too deep to check against the schema"
            ) from None
        except SchemaViolation as violation:
            raise TargetError(
                f"answer to {awaiting} breaks the protocol schema at {violation.path}: "
                f"{_shorten(violation.message)}"
            ) from None
        return message

    # -- the Target interface ------------------------------------------------------------------------

    def _refuse_unsolicited(self, awaiting: str) -> None:
        """The adapter speaks only when spoken to: a line waiting before a request is sent is a second
        answer to the previous run or one sent before its run was asked, never an answer to this one."""
        assert self._process is not None
        early = self._process.next_line(0)
        if early is None or isinstance(early, _Eof):
            return
        self._restart_later()
        if isinstance(early, _Oversized):
            raise TargetError(f"sent {early.size} bytes unasked before {awaiting} was sent")
        text = wire.as_text(early.data)
        answered = self._answered
        try:
            again = isinstance(message := wire.read(early.data), dict) and message.get("seq") == answered > 0
        except (ValueError, RecursionError):
            again = False
        what = f"a second answer to run #{answered}" if again else f"a line before {awaiting} was asked"
        raise TargetError(f"sent {what}: {_shorten(text)!r}")

    @property
    def gave_up(self) -> str:
        """Why the kit stopped using this adapter for the rest of the run; empty while it is in use."""
        return "" if self._fatal is None else str(self._fatal)

    def ended_by(self, error: TargetError) -> bool:
        """Whether ``error`` is the one the kit stopped using this adapter for (a refused hello, or the
        verdict every run gets once it gave up), rather than one run's own error."""
        return error is self._fatal

    def run(self, scenario: Scenario) -> Trace:
        try:
            trace = self._run(scenario)
        except (TargetError, TargetSkipped) as error:
            self._tally(error)
            raise
        self._tally(trace)
        return trace

    def _tally(self, outcome: Outcome) -> None:
        """Count crashes and timeouts in a row; at ``max_failures`` the adapter is unresponsive and the kit
        stops using it. Any answer, even a wrong one, shows it is alive."""
        if not lost(outcome):
            self._failures_in_a_row = 0
            return
        if self._fatal is not None:
            return
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= self.max_failures:
            self._stop_process()
            self._fatal = TargetError(
                f"the adapter is unresponsive: {self._failures_in_a_row} crashes or timeouts "
                f"in a row, the last: {outcome}",
                kind=outcome.kind,
            )

    def run_many(self, scenarios: Iterable[Scenario]) -> Iterator[Outcome]:
        """Each scenario's outcome, in the order given, keeping up to ``window`` runs in flight; answers come
        in the order of the runs, each checked by its ``seq``. When the stream goes wrong (a crash, a
        timeout, an unreadable answer, an answer out of order), the error goes to the oldest run in
        flight, the one a window of 1 would have been awaiting, and the runs behind it are sent again to
        a fresh process: every verdict lands where one run at a time would have put it."""
        queue = iter(scenarios)
        slots: deque[_Slot] = deque()
        in_flight: dict[int, _Slot] = {}
        try:
            yield from self._pipeline(queue, slots, in_flight)
        finally:
            if in_flight:
                self._restart_later()  # the caller stopped reading: answers still due would be out of step

    def _pipeline(
        self, queue: Iterator[Scenario], slots: deque[_Slot], in_flight: dict[int, _Slot]
    ) -> Iterator[Outcome]:
        resend: deque[_Slot] = deque()
        while True:
            # Refill the window once half of it is answered, all runs in one write: one run sent per
            # answer read would cost a system call and a wake-up of the adapter each.
            refill = len(in_flight) <= self.window // 2
            while refill and self._fatal is None and len(in_flight) < self.window:
                slot = resend.popleft() if resend else None
                if slot is None:
                    scenario = next(queue, None)
                    if scenario is None:
                        break
                    slot = _Slot(scenario)
                    slots.append(slot)
                try:
                    self.start()
                    if not in_flight:
                        self._refuse_unsolicited(f"run #{self._seq + 1}")
                except TargetError as error:
                    slot.outcome = error
                    self._tally(error)
                    continue
                assert self._process is not None
                self._seq += 1
                self._process.queue(
                    {"type": "run", "seq": self._seq, "scenario": scenario_to_json(slot.scenario)}
                )
                in_flight[self._seq] = slot
            if refill and self._process is not None:
                self._process.flush()
            while slots and (ready := slots[0].outcome) is not None:
                slots.popleft()
                yield ready
            if not in_flight:
                if not slots and not resend:
                    scenario = next(queue, None)
                    if scenario is None:
                        return
                    slots.append(_Slot(scenario, self._outcome(scenario)))
                for slot in resend:
                    slot.outcome = self._outcome(slot.scenario)
                resend.clear()
                continue
            oldest = next(iter(in_flight))  # runs go in with rising seq, and leave oldest first
            outcome = self._next_answer(oldest)
            if isinstance(outcome, tuple):
                seq, answered = outcome
                in_flight.pop(seq).outcome = answered
                self._answered = seq
                self._tally(answered)
                if self._process is None:  # the answer put the stream out of step: start afresh
                    resend.extend(in_flight[seq] for seq in sorted(in_flight))
                    in_flight.clear()
                continue
            in_flight.pop(oldest).outcome = outcome
            self._stop_process()
            self._tally(outcome)
            resend.extend(in_flight[seq] for seq in sorted(in_flight))
            in_flight.clear()

    def _next_answer(self, oldest: int) -> tuple[int, Outcome] | TargetError:
        """The next answer, which must answer the oldest run in flight (answers come in the order of the
        runs, as on a window of 1), or the error that run gets."""
        awaiting = f"run #{oldest}"
        try:
            answer = self._receive(awaiting)
        except TargetError as error:
            return error
        seq = answer.get("seq")
        if seq != oldest:
            self._restart_later()
            return TargetError(f"answered {awaiting} with sequence number {seq!r}")
        return seq, self._answer_outcome(answer, awaiting)

    def _outcome(self, scenario: Scenario) -> Outcome:
        try:
            return self.run(scenario)
        except (TargetError, TargetSkipped) as error:
            return error

    def _run(self, scenario: Scenario) -> Trace:
        self.start()
        self._seq += 1
        seq = self._seq
        awaiting = f"run #{seq}"
        self._refuse_unsolicited(awaiting)
        self._send({"type": "run", "seq": seq, "scenario": scenario_to_json(scenario)})
        answer = self._receive(awaiting)
        self._answered = seq
        if answer.get("seq") != seq:
            self._restart_later()
            raise TargetError(f"answered {awaiting} with sequence number {answer.get('seq')!r}")
        outcome = self._answer_outcome(answer, awaiting)
        if not isinstance(outcome, Trace):
            raise outcome
        return outcome

    def _answer_outcome(self, answer: dict[str, Any], awaiting: str) -> Outcome:
        """What an answer in step with its run says: the trace, or why there is none."""
        if answer["type"] == "skipped":
            return TargetSkipped(f"{_shorten(self.identity.name)}: {_shorten(answer['reason'])}")
        if answer["type"] == "error":
            return TargetError(
                f"{_shorten(self.identity.name)} reported: {_shorten(answer['message'])}",
                kind=ErrorKind.REPORTED,
            )
        if answer["type"] != "result":
            self._restart_later()
            return TargetError(f"answered {awaiting} with a {answer['type']!r} message")
        return decode_trace(answer["trace"])  # _parse checked the whole message, the trace included
