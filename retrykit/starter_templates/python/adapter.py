"""__ADAPTER_NAME__: an adapter between the job retry conformance kit and your product.

README
    It speaks the kit's whole protocol (JSON Lines on stdin and stdout; docs/adapter-guide.md and
    schemas/protocol.schema.json in the kit) and answers 'skipped' to every scenario until you complete
    the one marked place below, where it calls your product.

    Build:     nothing to build: Python 3.8 or later, standard library only.
    Run:       python3 adapter.py
               It waits for the kit's messages on stdin; try it by hand with the line
               {"type":"hello","protocol":"1.1","kit":{"name":"me","version":"0"}}
    Check it:  in the kit's virtual environment: retry-kit check-adapter "python3 /path/to/adapter.py"
               a conversation of a few seconds (handshake, two runs, shutdown) with what to fix;
               it passes once you declare a chain format and complete the marked place.
    Judge it:  from the kit's folder, in its virtual environment:
               pytest features --adapter "python3 /path/to/adapter.py" --report-dir reports/__ADAPTER_NAME__
               As it comes, it declares no capability, so every scenario is "not applicable" and the
               verdict is "not established": nothing was judged yet.

Write diagnostics to stderr only: every line on stdout must be a protocol message.
"""

from __future__ import annotations

import json
import sys

NAME = "__ADAPTER_NAME__"
VERSION = "0.1.0"
PROTOCOL = "1.1"
MAX_REASON = 2000
MAX_MESSAGE = 10000


class Unsupported(Exception):
    """Raise from run_scenario to answer 'skipped': the product cannot run this scenario."""


# ============================== YOUR PRODUCT: the one place to complete ==============================
# CAPABILITIES: what your product can be judged on: "chain:per_machine", "chain:single_file",
# "trigger:manual", "manual_stop", "job_failure", "custom_retry" (docs/adapter-guide.md, "Capabilities").
# Add each one only once run_scenario handles the scenarios that need it: a scenario that needs a capability
# you did not declare is "not applicable", never failed, but one you declared and then answer 'skipped'
# keeps the verdict from "yes". Every scenario needs one of the two chain formats, so with none declared
# nothing is judged.
CAPABILITIES: list[str] = []


def run_scenario(scenario: dict) -> dict:
    """Run one scenario (schemas/scenario.schema.json) on your product and return what it did, as a trace
    (schemas/trace.schema.json). Raise Unsupported to answer 'skipped'; any other exception answers
    'error' with its message."""
    raise Unsupported(f"{NAME} is not connected to a product yet: complete run_scenario")


# ============================== END OF YOUR PRODUCT ==============================


def _answer(message: dict) -> None:
    """One line on stdout; json.dumps escapes every non-ASCII character, so any console encoding is safe."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _valid_seq(message: dict) -> int | None:
    """The message's sequence number when it has one an answer can carry."""
    seq = message.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1 else None


def _run(seq: int, message: dict) -> None:
    scenario = message.get("scenario")
    if not isinstance(scenario, dict):
        _answer({"type": "error", "seq": seq, "message": "the run message has no scenario object"})
        return
    try:
        trace = run_scenario(scenario)
    except Unsupported as reason:
        _answer({"type": "skipped", "seq": seq, "reason": (str(reason) or "unsupported")[:MAX_REASON]})
    except Exception as error:
        message_text = f"{type(error).__name__}: {error}"
        _answer({"type": "error", "seq": seq, "message": message_text[:MAX_MESSAGE]})
    else:
        _answer({"type": "result", "seq": seq, "trace": trace})


def _handle(line: bytes) -> bool:
    """Answer one line (UTF-8); False once the kit says the run is over."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        message = None
    if not isinstance(message, dict):
        print(f"{NAME}: ignoring a line that is not a JSON object: {line[:200]!r}", file=sys.stderr)
        return True
    kind = message.get("type")
    seq = _valid_seq(message)
    if kind == "shutdown":
        return False
    if kind == "hello":
        implementation = {"name": NAME, "version": VERSION}
        _answer(
            {
                "type": "hello",
                "protocol": PROTOCOL,
                "implementation": implementation,
                "capabilities": CAPABILITIES,
            }
        )
    elif seq is None:
        print(f"{NAME}: ignoring a {kind!r} message without a valid seq: {line[:200]!r}", file=sys.stderr)
    elif kind == "run":
        _run(seq, message)
    else:
        _answer({"type": "error", "seq": seq, "message": f"unknown message type: {kind}"[:MAX_MESSAGE]})
    return True


def main() -> int:
    for line in sys.stdin.buffer:
        if line.strip() and not _handle(line):
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
