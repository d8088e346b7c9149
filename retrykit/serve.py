"""The adapter side of the protocol, for implementations written in Python.

``serve`` reads JSON Lines from stdin and answers on stdout; the implementation
only supplies a function from scenario JSON to trace JSON. Adapters in other
languages follow schemas/protocol.schema.json (see docs/adapter-guide.md).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

Json = dict[str, Any]
PROTOCOL_VERSION = "1.2"


class Unsupported(Exception):
    """Raise from the run function to answer 'skipped' with this reason."""


def _answer(stdout: TextIO, message: Json) -> None:
    stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    stdout.flush()


def serve(
    run: Callable[[Json], Json],
    *,
    name: str,
    version: str,
    capabilities: Iterable[str],
    window: int = 1,
    readings: Mapping[str, str] | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Answer every harness message until 'shutdown' or end of input; returns the exit status. ``window``
    is how many runs the harness may send before reading their answers: they are answered in order;
    ``readings`` are the readings the implementation declares (protocol 1.2), by name."""
    for line in stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            print(f"{name}: ignoring a line that is not JSON: {line[:200]!r}", file=sys.stderr)
            continue
        kind = message.get("type")
        if kind == "shutdown":
            return 0
        if kind == "hello":
            _answer(
                stdout,
                {
                    "type": "hello",
                    "protocol": PROTOCOL_VERSION,
                    "implementation": {"name": name, "version": version},
                    "capabilities": sorted(set(capabilities)),
                }
                | ({"window": window} if window > 1 else {})
                | ({"readings": dict(readings)} if readings else {}),
            )
        elif kind == "run":
            seq = message.get("seq", 1)
            try:
                _answer(stdout, {"type": "result", "seq": seq, "trace": run(message["scenario"])})
            except Unsupported as reason:
                _answer(stdout, {"type": "skipped", "seq": seq, "reason": str(reason) or "unsupported"})
            except Exception as error:
                traceback.print_exc(file=sys.stderr)
                _answer(stdout, {"type": "error", "seq": seq, "message": f"{type(error).__name__}: {error}"})
        else:
            print(f"{name}: ignoring a message of unknown type {kind!r}", file=sys.stderr)
    return 0
