"""Correct, but declares every capability except chain:single_file.

A single-file scenario must never reach it; if one does, it answers 'error' so the run shows it.
"""

import _shared


def run(scenario: _shared.Json) -> _shared.Json:
    if scenario["job"]["chain_format"] == "single_file":
        raise RuntimeError("was sent a single-file scenario although it never declared chain:single_file")
    return _shared.reference_run(scenario)


_shared.serve_as(run, capabilities=[c for c in _shared.every_capability() if c != "chain:single_file"])
