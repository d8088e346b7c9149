"""A trace without what the page leaves to the target: VM order inside a run, file order and ids, and the
clock (an attempt's start and end are the target's own; the rules only bound the gaps between them).

Two traces with the same canonical form make the same decisions, so a target that answers the same
scenario twice with traces of different canonical forms is not deterministic, and a trace whose form
differs from the reference's differs in something the page or the kit decides.
"""

from __future__ import annotations

import json
from typing import Any

from retrykit.reference.model import Trace

Json = dict[str, Any]


def canonical(trace: Trace) -> Json:
    """What the page and the reference decide, without what a target may choose freely (names, orders)."""
    sessions = [
        {
            "number": s.number,
            "trigger": s.trigger.value,
            "status": s.status.value,
            "stopped": s.stopped_manually,
            "refused": s.refused,
            "notifications": sorted((n.after_attempt, n.status.value) for n in s.notifications),
            "post_job_script_after": sorted(s.post_job_script_after),
            "chained_job_after": sorted(s.chained_job_after),
            "attempts": [
                {
                    "number": a.number,
                    "job_failure": a.job_failure,
                    "tasks": sorted((t.vm, t.result.value) for t in a.tasks),
                }
                for a in s.attempts
            ],
        }
        for s in trace.sessions
    ]
    files = sorted(
        json.dumps(
            {
                "kind": f.kind.value,
                "session": f.session,
                "attempt": f.attempt,
                "points": sorted((p.vm, p.kind.value, p.session, p.attempt) for p in f.restore_points),
            }
        )
        for f in trace.files
    )
    return {"sessions": sessions, "files": files}


def differences(observed: Trace, expected: Trace) -> list[str]:
    a, b = canonical(observed), canonical(expected)
    found = []
    if a["sessions"] != b["sessions"]:
        found.append("the sessions or their attempts differ")
    if a["files"] != b["files"]:
        found.append("the backup files differ")
    return found
