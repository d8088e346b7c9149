"""One run on many machines: shards of exhaust and explore joined by combine equal one unsharded run, a
missing, duplicated or foreign shard is named and never merged, -j runs shards locally, and the README's
several-machines recipe for the feature suite works with a relative adapter path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT
from report_fixtures.runs import collected_scenarios

from retrykit import space
from retrykit.cli import main
from retrykit.explore import shard_search
from retrykit.space import Bound, Shard
from retrykit.steps.plugin import _for_worker

MUTANT = "python adapters/mutants.py sf-retry-new-file"
"""As a user types it: a relative script, run from the kit's folder."""
BOUND = ["--max-vms", "2", "--max-injections", "3"]
"""Some 2,700 scenarios: room for the mutant's failure in two sessions, judged in about a second."""
TIMING = {"seconds"}


@pytest.fixture(autouse=True)
def in_the_kit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    if shutil.which("python") is None:  # MUTANT names python as a user would; a bare venv may lack it
        monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def judged(folder: Path) -> dict[str, Any]:
    """A summary without what differs between runs of the same space: time, run and rerun."""
    return {k: v for k, v in summary(folder).items() if k not in TIMING | {"run", "rerun"}}


def report(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def verdicts(folder: Path) -> list[tuple[Any, ...]]:
    entries = report(folder)["scenarios"]
    return [(s["verdict"], s["rules"], s["scenario"], s["trace"], s["violations"]) for s in entries]


def exhaust(out: Path, *extra: str, adapter: str | None = MUTANT) -> int:
    return main(["exhaust", *BOUND, *(["--adapter", adapter] if adapter else []), "--out", str(out), *extra])


def shards_of(tmp_path: Path, count: int, adapter: str | None = MUTANT) -> list[Path]:
    folders = [tmp_path / f"shard-{k}" for k in range(1, count + 1)]
    for k, folder in enumerate(folders, start=1):
        assert exhaust(folder, "--shard", f"{k}/{count}", adapter=adapter) == (1 if adapter else 0)
    return folders


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_the_shards_of_a_space_hold_each_scenario_once(count: int) -> None:
    bound = Bound(max_vms=2, max_sessions=2, max_injections=2)
    whole = list(space.positioned(bound))
    parts = [list(space.positioned(bound, Shard(k, count))) for k in range(1, count + 1)]
    assert sorted(p for part in parts for p in part) == whole
    assert [len(part) for part in parts] == [space.size(bound, Shard(k, count)) for k in range(1, count + 1)]
    assert max(map(len, parts)) - min(map(len, parts)) <= max(3, len(whole) // 50)
    for k in range(1, count + 1):
        halves = [dict(space.positioned(bound, Shard(k, count).part(Shard(j, 2)))) for j in (1, 2)]
        assert halves[0].keys().isdisjoint(halves[1]) and halves[0] | halves[1] == dict(parts[k - 1])


@pytest.mark.parametrize("adapter", [MUTANT, None], ids=["mutant", "reference"])
def test_three_shards_combined_equal_the_unsharded_run(tmp_path: Path, adapter: str | None) -> None:
    expected = 1 if adapter else 0
    assert exhaust(tmp_path / "whole", adapter=adapter) == expected
    folders = shards_of(tmp_path, 3, adapter)
    assert main(["combine", *map(str, folders), "--out", str(tmp_path / "combined")]) == expected
    combined, whole = summary(tmp_path / "combined"), summary(tmp_path / "whole")
    assert judged(tmp_path / "combined") == judged(tmp_path / "whole")
    assert combined["complete"] and combined["problems"] == [] and combined["rerun"] == whole["rerun"]
    shared = ("kind", "kit", "catalogue", "adapter", "bound", "command")
    assert [combined["run"][k] for k in shared] == [whole["run"][k] for k in shared]
    assert combined["run"]["shard"] is None and whole["run"]["shard"] == {"index": 1, "count": 1}
    assert sum(summary(f)["space"] for f in folders) == whole["space"] == combined["space"]
    if adapter:
        assert whole["groups"] and verdicts(tmp_path / "combined") == verdicts(tmp_path / "whole")
        for group in whole["groups"]:
            files = [tmp_path / name / group["folder"] / "reproducer.json" for name in ("combined", "whole")]
            assert files[0].read_text() == files[1].read_text()
        assert report(tmp_path / "combined")["end_of_report"]["complete"]


def test_a_dropped_shard_makes_the_combination_incomplete_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _, third = shards_of(tmp_path, 3)
    capsys.readouterr()
    assert main(["combine", str(first), str(third), "--out", str(tmp_path / "combined")]) == 1
    run = summary(first)["run"]["id"]
    missing = f"missing shard 2/3 of run {run}"
    combined = summary(tmp_path / "combined")
    assert not combined["complete"] and combined["problems"] == [missing]
    assert combined["judged"] == summary(first)["judged"] + summary(third)["judged"] < combined["space"]
    written = report(tmp_path / "combined")
    assert not written["end_of_report"]["complete"] and missing in written["reasons"]
    assert missing in (tmp_path / "combined" / "report.md").read_text(encoding="utf-8")
    assert f"incomplete: {missing}" in capsys.readouterr().out


def test_a_duplicated_and_a_foreign_shard_are_named_and_left_out(tmp_path: Path) -> None:
    folders = shards_of(tmp_path, 3)
    copy = tmp_path / "copy-of-2"
    shutil.copytree(folders[1], copy)
    other = tmp_path / "other-run"
    assert exhaust(other, "--shard", "2/3", "--run-id", "another") == 1
    wider = tmp_path / "wider"
    assert main(["exhaust", "--max-vms", "1", "--shard", "1/3", "--out", str(wider)]) == 0
    run = summary(folders[0])["run"]["id"]
    out = tmp_path / "combined"
    assert main(["combine", *map(str, folders), str(copy), str(other), str(wider), "--out", str(out)]) == 1
    combined = summary(out)
    assert not combined["complete"]
    assert combined["problems"] == [
        f"duplicated shard 2/3: {copy} repeats {folders[1]}; the first is kept",
        f"foreign shard: {other} (shard 2/3 of run another) differs from run {run} in id; left out",
        f"foreign shard: {wider} (shard 1/3 of run {summary(wider)['run']['id']}) differs from run {run} in "
        "id, adapter, bound; left out",
    ]
    assert combined["judged"] == combined["space"] == sum(summary(f)["space"] for f in folders)


def test_combine_refuses_a_folder_that_holds_no_shard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["combine", str(tmp_path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "no summary.json" in line


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_a_bad_shard_is_refused_in_one_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["exhaust", "--shard", text])
    assert exit_.value.code == 2
    [message] = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert "--shard" in message


def test_local_workers_give_the_result_of_one_process(tmp_path: Path) -> None:
    """-j 2 of shard 2/3 runs sub-shards 2/6 and 5/6 in two processes; the result is shard 2/3's."""
    assert exhaust(tmp_path / "one", "--shard", "2/3") == 1
    assert exhaust(tmp_path / "two", "--shard", "2/3", "-j", "2") == 1
    assert judged(tmp_path / "two") == judged(tmp_path / "one")
    assert summary(tmp_path / "two")["run"] == summary(tmp_path / "one")["run"]
    assert verdicts(tmp_path / "two") == verdicts(tmp_path / "one")


def test_explore_shards_search_their_own_seeds_and_combine_as_local_workers_do(tmp_path: Path) -> None:
    assert shard_search(200, 7, space.WHOLE) == (200, 7)
    shares = [shard_search(201, 7, Shard(k, 2)) for k in (1, 2)]
    assert [n for n, _ in shares] == [101, 100] and len({seed for _, seed in shares}) == 2
    assert shard_search(201, None, Shard(1, 2)) != shard_search(201, 0, Shard(1, 2))

    search = ["explore", "--examples", "300", "--seed", "7", "--adapter", MUTANT]
    folders = [tmp_path / f"shard-{k}" for k in (1, 2)]
    for k, folder in enumerate(folders, start=1):
        assert main([*search, "--shard", f"{k}/2", "--out", str(folder)]) == 1
    assert main(["combine", *map(str, folders), "--out", str(tmp_path / "combined")]) == 1
    assert main([*search, "-j", "2", "--out", str(tmp_path / "local")]) == 1
    combined, local = summary(tmp_path / "combined"), summary(tmp_path / "local")
    assert combined["complete"] and combined["search"] == local["search"]
    assert combined["search"]["examples"] == sum(summary(f)["search"]["examples"] for f in folders)
    assert "JR.SF.RETRY-SAME-FILE" in (tmp_path / "combined" / "reproducer.feature").read_text()


def test_an_adapter_command_reaches_a_worker_in_another_folder(tmp_path: Path) -> None:
    script = "adapters/mutants.py"
    absolute = str(ROOT / script)
    assert _for_worker(f"python {script} sf-retry-new-file", []) == f"python {absolute} sf-retry-new-file"
    assert _for_worker(f"node {absolute}", []) == f"node {absolute}"
    copied = _for_worker(f"./{script} x", [ROOT.parent / "elsewhere", ROOT])
    assert copied == f"{ROOT.name}/{script} x"
    assert _for_worker("python", []) == "python"  # a bare program is looked up on PATH, never in the folder


def python_here() -> str:
    """The recipe's ``python=.venv/bin/python``: this interpreter, relative when it is the kit's own."""
    inside = Path(sys.executable).is_relative_to(ROOT)
    return os.path.relpath(sys.executable, ROOT) if inside else sys.executable


NODE = pytest.param(
    "node adapters/node/adapter.mjs",
    marks=pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed"),
    id="node",
)


@pytest.mark.parametrize("adapter", [NODE, pytest.param(MUTANT, id="python-mutant")])
def test_the_several_machines_recipe_gives_one_complete_report(tmp_path: Path, adapter: str) -> None:
    """The README's recipe on this machine: popen gateways in another folder, the kit copied there,
    the adapter named relative to the kit's folder."""
    remote = tmp_path / "remote"
    remote.mkdir()
    command = [sys.executable, "-m", "pytest", str(ROOT / "features"), "-q", "-p", "no:cacheprovider"]
    command += ["--dist=load", "--tx", f"2*popen//python={python_here()}//chdir={remote}"]
    command += [f"--rsyncdir={ROOT}", "--rsyncignore=.venv", "--rsyncignore=.git", "--rsyncignore=reports"]
    command += ["--adapter", adapter, f"--report-dir={tmp_path / 'report'}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    written = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert (remote / ROOT.name / "features").is_dir()
    assert written["end_of_report"] == {"complete": True, "scenarios": collected_scenarios()}
    assert written["implementation"]["command"] == adapter and written["totals"]["error"] == 0
    if adapter == MUTANT:
        assert done.returncode == 1 and "JR.SF.RETRY-SAME-FILE" in written["reasons"][0]
    else:
        assert done.returncode == 0 and written["conforms"] == "yes", written["reasons"]
