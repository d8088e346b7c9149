"""Writes 1 MiB of log to stderr, then its last words, and exits with status 70 at once, on its first run.

It first widens its stderr pipe to 1 MiB, so the whole burst sits unread in the pipe when it exits:
the harness has to drain the pipe before it takes the tail, or the last words are missing from it.
"""

import fcntl
import os
import sys

import _shared

F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, named in the module from Python 3.10 on Linux only


def run(scenario: _shared.Json) -> _shared.Json:
    fcntl.fcntl(2, F_SETPIPE_SZ, 1024 * 1024)
    sys.stderr.buffer.write(b"acme-scheduler: planning...\n" * (1000 * 1024 // 28))
    sys.stderr.buffer.write(b"acme-scheduler: internal error in the retry planner, aborting\n")
    sys.stderr.buffer.flush()
    os._exit(70)


_shared.serve_as(run)
