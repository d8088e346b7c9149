"""Nothing lost, nothing injected, nothing hangs (issue 12): hostile names and bad input.

Everything an adapter sends is hostile input: a name is never a path and never TOML, and two names never
share a folder. Bad input from the person running the kit gets one clear line and exit status 2, never a
traceback. Each test names the row of the issue it holds.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from checkout import ROOT
from report_fixtures.one_scenario import SCENARIO, one_scenario_report

from retrykit import cli
from retrykit.cli import main
from retrykit.expectations import ExpectationsError, expectations_text, load_expectations
from retrykit.merge import NOT_IN_CATALOGUE, build_matrix
from retrykit.naming import file_name
from retrykit.reference import engine
from retrykit.reference.model import Trace
from retrykit.report import Json, report_json_text

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
from retrykit.adapters.reference_adapter import run as reference
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
    monkeypatch.chdir(tmp_path)
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
    monkeypatch.chdir(tmp_path)
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


# Reports to merge (rows 9 and 11): one scenario, judged as a run of the suite would judge it.

GOOD = engine.run(SCENARIO)
TWO_RETRIES = replace(GOOD, sessions=(replace(GOOD.sessions[0], attempts=GOOD.sessions[0].attempts[:3]),))
"""A reading of the default retry count other than the reference's (2 retries, not 3)."""


def _report(name: str, trace: Trace, file_prefix: str = "") -> Json:
    return one_scenario_report(name, trace, file_prefix=file_prefix)


# Row 9: every command validates its arguments; one line and exit status 2, never a traceback.


@pytest.mark.parametrize(
    "argv, option",
    [
        (["explore", "--examples", "0"], "--examples"),
        (["explore", "--examples", "-5"], "--examples"),
        (["explore", "--examples", "100000000"], "--examples"),
        (["explore", "--max-vms", "0"], "--max-vms"),
        (["explore", "--max-vms", "100000"], "--max-vms"),
        (["explore", "--max-sessions", "0"], "--max-sessions"),
        (["explore", "--max-sessions", "1000"], "--max-sessions"),
        (["explore", "--adapter-timeout", "nan"], "--adapter-timeout"),
        (["explore", "--adapter-timeout", "inf"], "--adapter-timeout"),
        (["exhaust", "--adapter-timeout", "0"], "--adapter-timeout"),
        (["check-adapter", "python a.py", "--adapter-timeout", "-1"], "--adapter-timeout"),
        (["mutants", "--jobs", "0"], "--jobs"),
    ],
)
def test_row9_an_option_out_of_bounds_is_refused_by_its_command(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f"retry-kit {argv[0]}: error: argument {option}")
    assert f"usage: retry-kit {argv[0]}" in err and "Traceback" not in err


def test_row9_an_unknown_option_is_shown_with_its_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["explore", "--examples", "5", "--bogus"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: retry-kit explore")
    assert err.splitlines()[-1] == "retry-kit explore: error: unrecognized arguments: --bogus"


def test_row9_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    assert capsys.readouterr().out.startswith("retry-kit ")


def test_row9_every_option_of_every_command_says_what_it_is_for() -> None:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"{name} {action.dest}"
        for name, command in commands.choices.items()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert silent == []


def _one_line(err: str) -> str:
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_row9_merge_of_a_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["merge", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "is a folder" in _one_line(capsys.readouterr().err)


def test_row9_merge_of_json_nested_too_deeply_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "report.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert main(["merge", str(deep), "--out", str(tmp_path / "out")]) == 2
    assert "nested too deeply" in _one_line(capsys.readouterr().err)


def test_row9_merge_into_a_folder_under_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    report.write_text(report_json_text(_report("a", GOOD)), encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["merge", str(report), "--out", str(blocker / "matrix")]) == 2
    assert str(blocker) in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("kind", ["folder", "nested"])
def test_row9_expectations_that_cannot_be_read_stop_pytest_with_one_line(kind: str, tmp_path: Path) -> None:
    if kind == "folder":
        given = tmp_path
    else:
        given = tmp_path / "known.toml"
        given.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ExpectationsError):
        load_expectations(given)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "features", "--expectations", str(given), "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "INTERNALERROR" not in output and "Traceback" not in output
    assert f"--expectations: {given}" in output


# Row 11: reports from different catalogues, and copies of one report.


def test_row11_a_report_of_another_catalogue_listed_first_loses_no_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _report("old", GOOD)
    old["kit"]["version"] = "0.0.1"
    old["rules"] = old["rules"][:3]
    new = _report("new", GOOD)
    every = [r["id"] for r in new["rules"]]
    matrix = build_matrix([old, new])
    assert [r["id"] for r in matrix["rules"]] == every
    cells = {r["id"]: r["verdicts"] for r in matrix["rules"]}
    assert cells[every[-1]][0] == NOT_IN_CATALOGUE and cells[every[0]][0] != NOT_IN_CATALOGUE
    assert any("different rule catalogues" in w for w in matrix["warnings"])
    assert any(
        w.startswith(f"old 1.0 (kit 0.0.1) lists 3 of the {len(every)} rules") for w in matrix["warnings"]
    )
    paths = []
    for report in (old, new):
        paths.append(tmp_path / f"{report['implementation']['name']}.json")
        paths[-1].write_text(report_json_text(report), encoding="utf-8")
    assert main(["merge", *map(str, paths), "--out", str(tmp_path / "out")]) == 0
    assert (
        "retry-kit merge: warning: the reports come from 2 different rule catalogues"
        in capsys.readouterr().err
    )
    for page in ("matrix.md", "matrix.html"):
        assert "different rule catalogues" in (tmp_path / "out" / page).read_text(encoding="utf-8")


def test_row11_one_catalogue_gives_no_warning() -> None:
    assert build_matrix([_report("a", GOOD), _report("b", GOOD, "b-")])["warnings"] == []


def _flagged(matrix: Json) -> dict[str, list[list[str]]]:
    return {
        r["id"]: [a["implementations"] for a in r["ambiguity"]] for r in matrix["rules"] if r["ambiguity"]
    }


def test_row11_two_copies_of_one_report_are_no_ambiguity() -> None:
    original = _report("vendor", TWO_RETRIES)
    copy = json.loads(json.dumps(original))
    copy["implementation"]["name"] = "renamed"
    matrix = build_matrix([_report("ref", GOOD), original, copy])
    assert _flagged(matrix) == {}
    assert any(w.startswith("renamed 1.0 has the same trace as vendor 1.0") for w in matrix["warnings"])
    assert [i["label"] for i in matrix["implementations"]] == ["ref 1.0", "vendor 1.0", "renamed 1.0"]


def test_row11_a_copy_does_not_hide_a_real_agreement() -> None:
    original = _report("vendor", TWO_RETRIES)
    copy = json.loads(json.dumps(original))
    copy["implementation"]["name"] = "renamed"
    other = _report("other", TWO_RETRIES, "other-")
    assert _flagged(build_matrix([original, copy, other])) == {
        "JR.COUNT.DEFAULT": [["vendor 1.0", "other 1.0"]]
    }
