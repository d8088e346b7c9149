"""Starts a helper process of its own (which inherits its stdout and stderr), then never answers a run."""

import subprocess
import time

import _shared

helper = subprocess.Popen(["sleep", "300"])
_shared.record(helper.pid, "grandchild")


def run(scenario: _shared.Json) -> _shared.Json:
    time.sleep(3600)
    raise AssertionError("unreachable")


_shared.serve_as(run)
