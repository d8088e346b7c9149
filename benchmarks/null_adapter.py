"""A do-nothing adapter for benchmarks: answers every request at once from precomputed traces.

Usage: python benchmarks/null_adapter.py ANSWERS.json, where ANSWERS.json maps each scenario, serialised
with sorted keys, to its trace. Its cost is JSON parsing and one lookup: the floor of any round trip.
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        answers = {key: json.dumps(trace, separators=(",", ":")) for key, trace in json.load(handle).items()}
    out = sys.stdout
    for line in sys.stdin:
        message = json.loads(line)
        if message["type"] == "shutdown":
            return 0
        if message["type"] == "hello":
            out.write(
                '{"type":"hello","protocol":"1.0","implementation":{"name":"null-adapter","version":"0"},'
                '"capabilities":["chain:per_machine","chain:single_file","custom_retry","job_failure",'
                '"manual_stop","trigger:manual"]}\n'
            )
        else:
            trace = answers[json.dumps(message["scenario"], sort_keys=True)]
            out.write(f'{{"type":"result","seq":{message["seq"]},"trace":{trace}}}\n')
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
