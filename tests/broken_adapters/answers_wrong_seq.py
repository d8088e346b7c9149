"""Answers every run with the sequence number of the next request (an off-by-one counter)."""

import json
import sys
from collections.abc import Iterable, Iterator

import _shared


def off_by_one(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        message = json.loads(line)
        if message.get("type") == "run":
            message["seq"] += 1
        yield json.dumps(message)


_shared.serve_as(_shared.reference_run, stdin=off_by_one(sys.stdin))
