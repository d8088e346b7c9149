"""Declares every capability, then answers every run with 'skipped'."""

import _shared

from retrykit.serve import Unsupported


def run(scenario: _shared.Json) -> _shared.Json:
    raise Unsupported("this scheduler only runs tape jobs")


_shared.serve_as(run)
