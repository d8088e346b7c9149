"""Answers the handshake, then closes its stdout on the first run and lives on without answering."""

import os
import time

import _shared


def run(scenario: _shared.Json) -> _shared.Json:
    os.close(1)
    time.sleep(3600)
    raise AssertionError("unreachable")


_shared.serve_as(run)
