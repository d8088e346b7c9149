"""Answers every run with 'error': its backup repository is unreachable."""

import _shared


def run(scenario: _shared.Json) -> _shared.Json:
    raise ConnectionError("backup repository unreachable")


_shared.serve_as(run)
