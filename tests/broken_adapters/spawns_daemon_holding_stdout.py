"""Starts a daemon in a session of its own (out of reach of its process group) that inherits its stdout,
notes the daemon's pid, then never answers a run. The daemon would live a minute: the kit must end it."""

import subprocess
import time

import _shared

daemon = subprocess.Popen(["sleep", "60"], start_new_session=True)
_shared.record(daemon.pid, "daemon")


def run(scenario: _shared.Json) -> _shared.Json:
    time.sleep(3600)
    raise AssertionError("unreachable")


_shared.serve_as(run)
