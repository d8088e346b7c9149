"""Correct, but writes 4 MiB of noise (some not even UTF-8) to stderr at start and 2 MiB during every run.

stderr is free for diagnostics: a harness that stopped reading it would block this adapter for good.
"""

import sys

import _shared

NOISE = b"progress 42% \xff\xfe\x00 [planner] " * 32 + b"\n"


def flood(mebibytes: int) -> None:
    sys.stderr.buffer.write(NOISE * (mebibytes * 1024 * 1024 // len(NOISE)))
    sys.stderr.buffer.flush()


def run(scenario: _shared.Json) -> _shared.Json:
    flood(1)
    trace = _shared.reference_run(scenario)
    flood(1)
    return trace


flood(4)
_shared.serve_as(run)
