"""An adapter whose hello has one defect, and which then answers every run like the reference.

    python tests/trust_adapters/hello_variants.py VARIANT

VARIANT is one of:
  protocol-2.0        announces protocol 2.0, a major version the kit does not speak
  unknown-capability  declares every capability and one the protocol does not know (UNKNOWN_CAPABILITY)
  extra-field         adds a field the hello may not have (EXTRA_FIELD)
  missing-field       leaves out a field the hello must have (MISSING_FIELD)
  correct             no defect: the control, through the same code path

Anything else in the hello is correct: protocol 1.0, a name and a version, every capability. The runs are
answered through retrykit.serve with the reference's traces; only the hello line is rewritten on its way
out. When $TRUST_ADAPTER_PIDS names a folder, the process leaves a file named for its pid there.
"""

from __future__ import annotations

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
from retrykit.serve import PROTOCOL_VERSION, serve  # noqa: E402

Json = dict[str, Any]
UNKNOWN_CAPABILITY = "time_travel"
EXTRA_FIELD = "vendor_extension"
MISSING_FIELD = "capabilities"


def _protocol_2(hello: Json) -> Json:
    return hello | {"protocol": "2.0"}


def _unknown_capability(hello: Json) -> Json:
    return hello | {"capabilities": [*hello["capabilities"], UNKNOWN_CAPABILITY]}


def _extra_field(hello: Json) -> Json:
    return hello | {EXTRA_FIELD: {"build": 7}}


def _missing_field(hello: Json) -> Json:
    return {key: value for key, value in hello.items() if key != MISSING_FIELD}


VARIANTS: dict[str, Callable[[Json], Json]] = {
    "protocol-2.0": _protocol_2,
    "unknown-capability": _unknown_capability,
    "extra-field": _extra_field,
    "missing-field": _missing_field,
    "correct": lambda hello: hello,
}


class HelloRewriter:
    """stdout for retrykit.serve: every line passes unchanged except the hello, which gets the defect."""

    def __init__(self, out: TextIO, defect: Callable[[Json], Json]) -> None:
        self.out = out
        self.defect = defect

    def write(self, text: str) -> int:
        message = json.loads(text)
        if message.get("type") == "hello":
            assert (
                message["protocol"] == PROTOCOL_VERSION and set(message["capabilities"]) == ALL_CAPABILITIES
            )
            text = json.dumps(self.defect(message), separators=(",", ":")) + "\n"
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in VARIANTS:
        print(f"usage: {argv[0]} VARIANT   (one of: {', '.join(VARIANTS)})", file=sys.stderr)
        return 2
    if folder := os.environ.get("TRUST_ADAPTER_PIDS"):
        Path(folder, str(os.getpid())).write_text(f"hello {argv[1]}", encoding="utf-8")
    return serve(
        run,
        name=f"hello-{argv[1]}",
        version=__version__,
        capabilities=ALL_CAPABILITIES,
        stdout=HelloRewriter(sys.stdout, VARIANTS[argv[1]]),  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
