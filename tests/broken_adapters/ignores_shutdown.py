"""Correct, but ignores 'shutdown', SIGTERM and the end of its input: it has to be killed."""

import signal
import sys
import time
from collections.abc import Iterable, Iterator

import _shared


def stubborn(lines: Iterable[str]) -> Iterator[str]:
    yield from _shared.messages_without("shutdown", lines)
    time.sleep(3600)


signal.signal(signal.SIGTERM, signal.SIG_IGN)
_shared.serve_as(_shared.reference_run, stdin=stubborn(sys.stdin))
