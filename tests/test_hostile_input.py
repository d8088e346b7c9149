"""Nothing lost, nothing injected, nothing hangs (issue 12): hostile names and bad input.

Everything an adapter sends is hostile input: a name is never a path and never TOML, and two names never
share a folder. Bad input from the person running the kit gets one clear line and exit status 2, never a
traceback. Each test names the row of the issue it holds.
"""

from __future__ import annotations

import json
import shlex
import sys
import tomllib
from pathlib import Path

import pytest

from retrykit import cli
from retrykit.cli import main
from retrykit.expectations import expectations_text, load_expectations
from retrykit.naming import file_name
from retrykit.paths import ROOT

HOSTILE_NAMES = [
    "../features",
    "../../etc",
    "/tmp/elsewhere",
    "..",
    ".",
    "",
    ".hidden",
    "-rf",
    "a/b",
    "a\\b",
    "name\nwith newline",
    "my adapter/1.0 \x1b[31m",
    "\ud800",
    "x" * 300,
    "Ref",
]

NAMED_ADAPTER = """\
import sys

sys.path.insert(0, {root!r})
from adapters.reference_adapter import run as reference
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.serve import serve

name, behaviour = sys.argv[1], sys.argv[2]


def run(scenario):
    if behaviour == "crash":
        raise RuntimeError("this adapter fails every run")
    return reference(scenario)


sys.exit(serve(run, name=name, version="1", capabilities=ALL_CAPABILITIES))
"""


def _named_adapter(tmp_path: Path, name: str, behaviour: str) -> str:
    """The command line of an adapter that calls itself ``name`` and answers as the reference does
    (``behaviour`` "reference") or fails every run ("crash")."""
    script = tmp_path / "named_adapter.py"
    script.write_text(NAMED_ADAPTER.format(root=str(ROOT)), encoding="utf-8")
    return shlex.join([sys.executable, str(script), name, behaviour])


def _inside(folder: Path, root: Path) -> bool:
    return folder.resolve().is_relative_to(root.resolve())


# Row 1: names from an adapter never become paths, and two names never share a folder.


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_row1_a_name_becomes_one_plain_file_name(name: str) -> None:
    made = file_name(name)
    assert made not in ("", ".", "..") and "/" not in made and "\\" not in made
    assert made[0] not in ".-" and made.isascii() and made.isprintable() and len(made) <= 73


def test_row1_plain_names_stay_as_they_are_and_no_two_names_share_a_file_name() -> None:
    assert [file_name(n) for n in ("reference", "JR.COUNT.DEFAULT", "node-example_2.0")] == [
        "reference",
        "JR.COUNT.DEFAULT",
        "node-example_2.0",
    ]
    names = [*HOSTILE_NAMES, "a-b", "a b", "a:b", "features", "etc", "unnamed", "x" * 60, "x" * 61]
    assert len({file_name(n) for n in names}) == len(names)
    assert file_name("a/b") != file_name("a-b") == "a-b"


@pytest.mark.parametrize("name", ["../escaped", "ABSOLUTE"])
def test_row1_explore_writes_under_its_reports_folder_whatever_the_adapter_calls_itself(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = str(tmp_path / "absolute") if name == "ABSOLUTE" else name
    reports = tmp_path / "reports"
    monkeypatch.setattr(cli, "REPORTS", reports)
    adapter = _named_adapter(tmp_path, name, "crash")
    assert main(["explore", "--examples", "5", "--seed", "1", "--adapter", adapter]) == 1
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "named_adapter.py"]
    assert written and all(_inside(p, reports) for p in written)
    assert (reports / file_name(name) / "explore" / "reproducer.feature").is_file()
    assert str(reports / file_name(name) / "explore") in capsys.readouterr().out


def test_row1_exhaust_gives_two_adapters_whose_names_differ_two_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    monkeypatch.setattr(cli, "REPORTS", reports)
    bound = ["--max-vms", "1", "--max-sessions", "1", "--max-injections", "1"]
    for name in ("vendor/a", "vendor a"):
        assert main(["exhaust", *bound, "--adapter", _named_adapter(tmp_path, name, "reference")]) == 0
    summaries = sorted((reports / "exhaust").glob("*/summary.json"))
    assert len(summaries) == 2
    assert {json.loads(s.read_text(encoding="utf-8"))["implementation"] for s in summaries} == {
        "vendor/a",
        "vendor a",
    }


# Row 5: the known-failures file is written by a TOML library.

PLANTED = (
    'evil\n[[known_failure]]\nscenario = "features/test_features.py::test_planted"\nreason = "planted"\n#'
)
"""A name that, written into the file by string building, plants an entry that loads (its tail becomes a
comment)."""


def _entries(text: str, tmp_path: Path) -> list[dict[str, str]]:
    """The file's entries as tomllib reads them, after checking the kit's own loader agrees."""
    path = tmp_path / "known.toml"
    path.write_text(text, encoding="utf-8")
    entries: list[dict[str, str]] = tomllib.loads(text)["known_failure"]
    assert list(load_expectations(path)) == [e["scenario"] for e in entries]
    return entries


def test_row5_a_name_with_a_newline_plants_no_known_failure(tmp_path: Path) -> None:
    failing = [("features/test_features.py::test_count", "wrong count")]
    entries = _entries(expectations_text(failing, PLANTED), tmp_path)
    assert entries == [{"scenario": "features/test_features.py::test_count", "reason": "wrong count"}]


def test_row5_a_reason_from_an_adapter_is_stored_as_text(tmp_path: Path) -> None:
    failing = [
        ("features/test_features.py::test_count", 'wrong\n[[known_failure]]\nscenario = "x"\n#'),
        ("features/test_features.py::test_stop", "reported error: \x1b]0;title\x07 \ud800"),
    ]
    text = expectations_text(failing, "adapter")
    entries = _entries(text, tmp_path)
    assert [e["scenario"] for e in entries] == [nodeid for nodeid, _ in failing]
    assert all(set(e) == {"scenario", "reason"} for e in entries)
    assert "\x1b" not in text and "\ud800" not in text
