"""Exits with status 3 before it answers the handshake, saying why on stderr.

It pauses before exiting so the harness has read its stderr by then: that the tail is read before the
stderr pipe is drained is a harness race of its own, pinned by crashes_after_stderr_burst.py.
"""

import sys
import time

import _shared

_shared.record()
print("acme-scheduler: starting", file=sys.stderr)
print("acme-scheduler: cannot read the licence file /etc/acme/licence.key", file=sys.stderr, flush=True)
time.sleep(0.2)
sys.exit(3)
