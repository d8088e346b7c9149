"""A deliberately wrong implementation for the report tests: it retries a session that ended Warning.

It is the reference engine with two decisions replaced: a VM that ended with a warning counts as still
unprocessed, and any session that is not Success is retried. So it breaks JR.WHEN.NOT-SUCCESS-WARNING and
JR.WARNING.PROCESSED (normative: failed verdicts). It also takes another reading of a point the page
leaves open (a job-level error does not fail the session), so JR.JOB-FAILURE differs from interpretation.

    pytest features --adapter "python tests/report_fixtures/wrong_adapter.py"
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from retrykit.codec import Json, scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.reference import engine
from retrykit.reference.model import Job, SessionStatus, TaskResult
from retrykit.serve import serve

NAME = "wrong-warning-retried"


def _unprocessed(job: Job, latest: Mapping[str, TaskResult | None]) -> list[str]:
    return [vm for vm in job.vms if latest[vm] is not TaskResult.SUCCESS]


def _retry_needed(status: SessionStatus, pending: list[str], stopped: bool) -> bool:
    return status is not SessionStatus.SUCCESS and bool(pending) and not stopped


def run(scenario: Json) -> Json:
    return trace_to_json(engine.run(scenario_from_json(scenario)))


if __name__ == "__main__":
    from retrykit.mutation import shipped

    shipped().READINGS["job-failure-ignored"].patch()
    engine.unprocessed = _unprocessed
    engine.retry_needed = _retry_needed
    sys.exit(serve(run, name=NAME, version="6.6.6-wrong", capabilities=ALL_CAPABILITIES))
