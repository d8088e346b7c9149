"""Starts a helper process (inheriting its stdout and stderr), then exits with status 70 on its first run."""

import os
import subprocess
import sys

import _shared

helper = subprocess.Popen(["sleep", "300"])
_shared.record(helper.pid, "grandchild")


def run(scenario: _shared.Json) -> _shared.Json:
    print("acme-scheduler: internal error in the retry planner, aborting", file=sys.stderr, flush=True)
    os._exit(70)


_shared.serve_as(run)
