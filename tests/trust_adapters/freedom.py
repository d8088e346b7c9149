"""The reference's decisions, with every freedom the page leaves taken at once.

    python tests/trust_adapters/freedom.py

Each attempt lists its tasks in reverse (a stop "after n tasks" keeps the same n finished tasks, only
their order changes), the backup files come in reverse, so do each file's restore points, and every file
gets a random id (uuid4; distinct, and different on every run). A kit that judges only what the page
decides must find this adapter conforming. Declares every capability.

When $TRUST_ADAPTER_PIDS names a folder, the process leaves a file named for its pid there, so the tests
can check that nothing outlives the harness.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retrykit import __version__  # noqa: E402
from retrykit.codec import scenario_from_json, trace_to_json  # noqa: E402
from retrykit.drivers import ALL_CAPABILITIES  # noqa: E402
from retrykit.reference import engine  # noqa: E402
from retrykit.serve import serve  # noqa: E402

Json = dict[str, Any]


def run(scenario: Json) -> Json:
    trace = trace_to_json(engine.run(scenario_from_json(scenario)))
    for session in trace["sessions"]:
        for attempt in session["attempts"]:
            attempt["tasks"].reverse()
    for file in trace["files"]:
        file["id"] = str(uuid.uuid4())
        file["restore_points"].reverse()
    assert len({file["id"] for file in trace["files"]}) == len(trace["files"]), "uuid4 repeated itself"
    trace["files"].reverse()
    return trace


if __name__ == "__main__":
    if folder := os.environ.get("TRUST_ADAPTER_PIDS"):
        Path(folder, str(os.getpid())).write_text("freedom", encoding="utf-8")
    sys.exit(serve(run, name="freedom", version=__version__, capabilities=ALL_CAPABILITIES))
