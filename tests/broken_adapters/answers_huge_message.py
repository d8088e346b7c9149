"""Answers with a 5 MiB line: its trace carries a debugging dump along."""

import _shared


def run(scenario: _shared.Json) -> _shared.Json:
    trace = _shared.reference_run(scenario)
    trace["debug_dump"] = "x" * (5 * 1024 * 1024)
    return trace


_shared.serve_as(run)
