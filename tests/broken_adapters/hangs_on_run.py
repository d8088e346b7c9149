"""Answers the handshake, then never answers a run."""

import time

import _shared


def run(scenario: _shared.Json) -> _shared.Json:
    time.sleep(3600)
    raise AssertionError("unreachable")


_shared.serve_as(run)
