"""Starts a daemon in a session of its own (out of reach of its process group) that inherits its stdout
and stderr, then never answers a run. The daemon ends by itself after 5 s, so it leaves nothing behind."""

import subprocess
import time

import _shared

subprocess.Popen(["sleep", "5"], start_new_session=True)


def run(scenario: _shared.Json) -> _shared.Json:
    time.sleep(3600)
    raise AssertionError("unreachable")


_shared.serve_as(run)
