"""An adapter whose every string is hostile: markup, quotes, control characters, bidi overrides.

It answers like the reference engine, except that it errors on per-machine scenarios and skips
single-file scenarios with more than one session, each time with a hostile message, so hostile text
reaches the report through the implementation's name and version, error messages and skip reasons.

    pytest features --adapter "python tests/report_fixtures/hostile_adapter.py"
"""

from __future__ import annotations

import sys

from retrykit.codec import Json, scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.reference import engine
from retrykit.serve import Unsupported, serve

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PWNED = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
CONTROLS = "".join(chr(c) for c in range(32)) + "\x7f"
FENCE_BREAK = "\n``\x00``\n<img src=x onerror=alert(1)>\n"
"""Backticks that become a longer run once the control character between them is dropped."""
HOSTILE = (
    f"start{FENCE_BREAK}{SCRIPT} {IMG} {PWNED} ' \" | a | b | `code` ``` \u202egnp.exe "
    f"[link](https://evil.example/) {CONTROLS} end"
)
"""The fence breaker comes first: the harness keeps only the first 200 characters of an error message."""
NAME = f"{SCRIPT}\u202e|`x`\x1b[2J\x07"
VERSION = IMG


def run(scenario: Json) -> Json:
    if scenario["job"]["chain_format"] == "per_machine":
        raise RuntimeError(HOSTILE)
    if len(scenario["sessions"]) > 1:
        raise Unsupported(HOSTILE)
    return trace_to_json(engine.run(scenario_from_json(scenario)))


if __name__ == "__main__":
    sys.exit(serve(run, name=NAME, version=VERSION, capabilities=ALL_CAPABILITIES))
