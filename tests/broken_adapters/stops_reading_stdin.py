"""Answers the handshake, then never reads its stdin again: a large scenario fills the pipe."""

import sys
import time
from collections.abc import Iterator

import _shared


def handshake_only() -> Iterator[str]:
    yield sys.stdin.readline()
    time.sleep(3600)


_shared.serve_as(_shared.reference_run, stdin=handshake_only())
