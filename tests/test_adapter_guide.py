"""The adapter guide must stay true: its transcript is valid protocol, and its commands pass as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.codec import scenario_from_json, trace_to_json
from retrykit.reference import engine
from retrykit.validation import validate

GUIDE = ROOT / "docs" / "adapter-guide.md"
TEXT = GUIDE.read_text(encoding="utf-8")
HARNESS = {"hello": "hello_request", "run": "run_request", "shutdown": "shutdown"}
ADAPTER = {"hello": "hello_response", "result": "result", "skipped": "skipped", "error": "error"}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.S)


def _transcript() -> list[tuple[str, dict]]:
    [block] = _blocks("jsonl")
    return [(line[0], json.loads(line[2:])) for line in block.strip().splitlines()]


def test_every_transcript_line_is_valid_protocol() -> None:
    lines = _transcript()
    assert [side for side, _ in lines] == [">", "<", ">", "<", ">"]
    for side, message in lines:
        definition = (HARNESS if side == ">" else ADAPTER)[message["type"]]
        validate("protocol", message, definition)


def test_the_transcript_answer_is_what_the_reference_does() -> None:
    messages = [message for _, message in _transcript()]
    run, result = messages[2], messages[3]
    expected = trace_to_json(engine.run(scenario_from_json(run["scenario"])))
    observed = result["trace"]
    assert result["seq"] == run["seq"]
    assert observed["sessions"] == expected["sessions"]
    assert [{k: v for k, v in f.items() if k != "id"} for f in observed["files"]] == [
        {k: v for k, v in f.items() if k != "id"} for f in expected["files"]
    ]


COMMANDS = [
    line for block in _blocks("sh") for line in block.splitlines() if line.startswith("pytest features")
]


def test_the_guide_shows_both_example_adapters() -> None:
    assert any("reference_adapter.py" in c for c in COMMANDS)
    assert any("node " in c for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_guide_command_passes_every_scenario(command: str, tmp_path: Path) -> None:
    """Runs the command as a reader would, in the kit's virtual environment (its bin first on PATH)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    args = [*shlex.split(command), "-q", "-p", "no:cacheprovider", "--report-dir", str(tmp_path)]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed(, \d+ skipped)? in [\d.]+s", summary), summary
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["conforms"] == "yes"
    totals = report["totals"]
    # A protocol 1.1 adapter (the Node example) declares none of the 1.2 capabilities: not applicable.
    assert totals["passed"] + totals["not applicable"] == totals["total"] > 40
    assert totals["passed"] > 40
