"""An adapter that breaks the conversation in one way and otherwise answers like the reference.

    python tests/trust_adapters/breaches.py KIND

KIND is one of:
  unsolicited  right after its hello line, a result line for seq 1 that nobody asked for (both lines
               written with one flush)
  duplicate    answers run #1 twice
  deep         answers each run with a JSON value nested DEPTH deep inside the trace
  bignum       answers each run with a BIG_DIGITS-digit integer as its seq
  bignum-trace answers each run with a BIG_DIGITS-digit integer inside the trace (the first session's number)
  flaky        answers a wrong status for its first session in every FLAKY_EVERY-th result, so the same
               scenario gets a right answer and a wrong one (counted, not random: a test of it never flakes)
  none         no breach: the control, through the same code path

The answers come from retrykit.serve with the reference's traces; the breach is made on their way out to
stdout. When $TRUST_ADAPTER_PIDS names a folder, the process leaves a file named for its pid there.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retrykit import __version__  # noqa: E402
from retrykit.adapters.reference_adapter import run  # noqa: E402
from retrykit.drivers import ALL_CAPABILITIES  # noqa: E402
from retrykit.serve import serve  # noqa: E402

Json = dict[str, Any]
DEPTH = 100_000
BIG_DIGITS = 5_000
FLAKY_EVERY = 3
STATUSES = ("success", "warning", "failed")
_RESULTS = itertools.count(1)


def _line(message: Json) -> str:
    return json.dumps(message, separators=(",", ":")) + "\n"


def _unsolicited_result() -> str:
    """A well-formed result for seq 1 (the protocol schema's own example), sent before any run."""
    protocol = json.loads((ROOT / "schemas" / "protocol.schema.json").read_text(encoding="utf-8"))
    example = next(m for m in protocol["examples"] if m["type"] == "result" and m["seq"] == 1)
    return _line(example)


def unsolicited(message: Json) -> list[str]:
    if message["type"] == "hello":
        return [_line(message) + _unsolicited_result()]  # one write, one flush
    return [_line(message)]


def duplicate(message: Json) -> list[str]:
    if message.get("seq") == 1:
        return [_line(message), _line(message)]  # each flushed on its own
    return [_line(message)]


def deep(message: Json) -> list[str]:
    if message["type"] != "result":
        return [_line(message)]
    head, _, rest = _line(message).partition('"trace":{')
    assert rest, "a result line without a trace"
    return [f'{head}"trace":{{"nested":{"[" * DEPTH}{"]" * DEPTH},{rest}']


def bignum(message: Json) -> list[str]:
    if message["type"] != "result":
        return [_line(message)]
    head, _, rest = _line(message).partition(f'"seq":{message["seq"]},')
    assert rest, "a result line without its seq"
    return [f'{head}"seq":{"9" * BIG_DIGITS},{rest}']


def bignum_trace(message: Json) -> list[str]:
    if message["type"] != "result" or not message["trace"]["sessions"]:
        return [_line(message)]
    head, _, rest = _line(message).partition('"sessions":[{"number":1,')
    assert rest, "a trace whose first session is not numbered 1 first"
    return [f'{head}"sessions":[{{"number":{"9" * BIG_DIGITS},{rest}']


def flaky(message: Json) -> list[str]:
    sessions = message.get("trace", {}).get("sessions", [])
    if message["type"] == "result" and sessions and next(_RESULTS) % FLAKY_EVERY == 0:
        session = sessions[0]
        session["status"] = next(s for s in STATUSES if s != session["status"])
    return [_line(message)]


KINDS: dict[str, Callable[[Json], list[str]]] = {
    "unsolicited": unsolicited,
    "duplicate": duplicate,
    "deep": deep,
    "bignum": bignum,
    "bignum-trace": bignum_trace,
    "flaky": flaky,
    "none": lambda message: [_line(message)],
}


class Breaching:
    """stdout for retrykit.serve: each message it writes goes out as the lines the breach makes of it."""

    def __init__(self, out: TextIO, breach: Callable[[Json], list[str]]) -> None:
        self.out = out
        self.breach = breach

    def write(self, text: str) -> int:
        *first, last = self.breach(json.loads(text))
        for line in first:
            self.out.write(line)
            self.out.flush()
        return self.out.write(last)  # serve flushes it

    def flush(self) -> None:
        self.out.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in KINDS:
        print(f"usage: {argv[0]} KIND   (one of: {', '.join(KINDS)})", file=sys.stderr)
        return 2
    if folder := os.environ.get("TRUST_ADAPTER_PIDS"):
        Path(folder, str(os.getpid())).write_text(f"breach {argv[1]}", encoding="utf-8")
    return serve(
        run,
        name=f"breach-{argv[1]}",
        version=__version__,
        capabilities=ALL_CAPABILITIES,
        stdout=Breaching(sys.stdout, KINDS[argv[1]]),  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
