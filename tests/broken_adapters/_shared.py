"""What the broken adapters share: the correct answer to corrupt, and a note of every process they start.

Each broken adapter is one small script named for its defect, run as ``python <script>`` (so this folder
is on sys.path). The correct answer comes from adapters/reference_adapter.py; it is imported only when a
run needs it, so an adapter that never answers a run starts as fast as Python does.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[2]
PIDS_VARIABLE = "BROKEN_ADAPTER_PIDS"
"""A folder: every process a broken adapter starts leaves a file there named for its pid."""

Json = dict[str, Any]


def record(pid: int | None = None, role: str = "adapter") -> None:
    """Note a process (this one by default) for the tests that check nothing outlives the harness."""
    folder = os.environ.get(PIDS_VARIABLE)
    if folder:
        Path(folder, str(pid if pid is not None else os.getpid())).write_text(role, encoding="utf-8")


def every_capability() -> list[str]:
    protocol = json.loads((ROOT / "schemas" / "protocol.schema.json").read_text(encoding="utf-8"))
    return list(protocol["$defs"]["capability"]["enum"])


def reference_run(scenario: Json) -> Json:
    """The correct trace: what adapters/reference_adapter.py answers."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from retrykit.adapters.reference_adapter import run

    return run(scenario)


def messages_without(kind: str, lines: Iterable[str]) -> Iterator[str]:
    """The harness's lines with every message of one type dropped, as if the adapter never read them."""
    return (line for line in lines if json.loads(line).get("type") != kind)


def serve_as(
    run: Callable[[Json], Json], *, capabilities: Iterable[str] | None = None, stdin: Any = None
) -> NoReturn:
    """Record this process, then answer the harness with ``run`` through retrykit.serve until shutdown."""
    from retrykit.serve import serve

    record()
    sys.exit(
        serve(
            run,
            name=Path(sys.argv[0]).stem,
            version="0.0.0+broken",
            capabilities=every_capability() if capabilities is None else capabilities,
            stdin=sys.stdin if stdin is None else stdin,
        )
    )
