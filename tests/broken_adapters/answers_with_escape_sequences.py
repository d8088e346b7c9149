"""Answers the first run with an 'error' whose message holds terminal escape sequences (a window title,
a clear screen), then crashes on the second with the same sequences on stderr."""

import os
import sys

import _shared

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred"
runs = 0


def run(scenario: _shared.Json) -> _shared.Json:
    global runs
    runs += 1
    if runs == 1:
        raise RuntimeError(f"repository said {ESCAPES}")
    sys.stderr.write(f"dying {ESCAPES}\n")
    sys.stderr.flush()
    os._exit(9)


_shared.serve_as(run)
