"""Answers the handshake and its first run correctly, then exits with status 70 on its second run.

It pauses before exiting so the harness has read its stderr by then: that the tail is read before the
stderr pipe is drained is a harness race of its own, pinned by crashes_after_stderr_burst.py.
"""

import itertools
import os
import sys
import time

import _shared

calls = itertools.count(1)


def run(scenario: _shared.Json) -> _shared.Json:
    if next(calls) == 2:
        print("acme-scheduler: internal error in the retry planner, aborting", file=sys.stderr, flush=True)
        time.sleep(0.2)
        os._exit(70)
    return _shared.reference_run(scenario)


_shared.serve_as(run)
