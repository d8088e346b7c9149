"""Record and replay: the suite exported as scenario files, traces recorded from them judged afterwards.

Replaying what a target answered gives the verdicts of judging it live; a trace that is missing or
unreadable is an error of exactly its scenario, never a pass.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT

from retrykit.adapter import AdapterTarget
from retrykit.codec import scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.errors import ErrorKind, KitUsageError, TargetError
from retrykit.export import INDEX, scenario_key
from retrykit.inventory import read_features
from retrykit.paths import FEATURES
from retrykit.reference import engine
from retrykit.reference.model import InjectedOutcome, Scenario, TaskResult
from retrykit.reference.readings import DEFAULT
from retrykit.replay import IDENTITY, ReplayTarget, read_identity
from retrykit.targets import check_choice
from retrykit.validation import schema, validate

MUTANT = [sys.executable, str(ROOT / "adapters" / "mutants.py"), "no-retry"]
Json = dict[str, Any]


def export(folder: Path, features: Path = FEATURES) -> Json:
    done = subprocess.run(
        [sys.executable, "-m", "retrykit.cli", "export", str(folder), "--features", str(features)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((folder / INDEX).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exported")
    export(folder)
    return folder


def scenarios(folder: Path) -> dict[str, Json]:
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    return {i: json.loads((folder / f"{i}.json").read_text(encoding="utf-8")) for i in index}


def record(exported: Path, folder: Path, answer: Callable[[Scenario], Json]) -> Path:
    """What a lab does: run each exported scenario on the product and keep its trace under the same name."""
    folder.mkdir()
    for scenario_id, document in scenarios(exported).items():
        trace = answer(scenario_from_json(document))
        (folder / f"{scenario_id}.json").write_text(json.dumps(trace), encoding="utf-8")
    return folder


def feature_run(report_dir: Path, *options: str) -> Json:
    subprocess.run(
        [sys.executable, "-m", "pytest", str(FEATURES), "--report-dir", str(report_dir), *options],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def verdicts(report: Json) -> dict[str, tuple[str, str]]:
    return {s["nodeid"]: (s["verdict"], s["error_kind"]) for s in report["scenarios"]}


# -- export --------------------------------------------------------------------------------------------


def test_every_scenario_of_the_suite_is_exported_valid_and_indexed(exported: Path) -> None:
    index = json.loads((exported / INDEX).read_text(encoding="utf-8"))
    assert len(index) == sum(s.runs for s in read_features(FEATURES))
    assert sorted(p.stem for p in exported.glob("*.json") if p.name != INDEX) == sorted(index)
    for scenario_id, document in scenarios(exported).items():
        validate("scenario", document)
        assert scenario_id.endswith(scenario_key(scenario_from_json(document)))
        entry = index[scenario_id]
        assert entry["feature"].endswith(".feature") and entry["title"] and entry["rules"]
        assert set(entry["capabilities"]) <= ALL_CAPABILITIES
    assert any("with-3-retries-configured" in i for i in index), "outline examples keep their values"


def _reordered(text: str) -> str:
    """The same feature with its rule blocks in reverse order and every examples table upside down."""
    head, *rules = re.split(r"(?m)^(?=  Rule:)", text)
    text = head + "".join(reversed([r if r.endswith("\n\n") else r + "\n" for r in rules]))

    def upside_down(table: re.Match[str]) -> str:
        header, *rows = table.group(0).splitlines(keepends=True)
        return header + "".join(reversed(rows))

    return re.sub(r"(?m)(^ +\|.*\n)+", upside_down, text)


def test_ids_survive_reordering_the_suite(exported: Path, tmp_path: Path) -> None:
    copy = tmp_path / "features"
    shutil.copytree(FEATURES, copy)
    for feature in copy.glob("*.feature"):
        feature.write_text(_reordered(feature.read_text(encoding="utf-8")), encoding="utf-8")
    assert [f.read_text() for f in copy.glob("*.feature")] != [
        (FEATURES / f.name).read_text() for f in copy.glob("*.feature")
    ]
    again = tmp_path / "again"
    export(again, copy)
    assert scenarios(again) == scenarios(exported)


def test_a_scenarios_key_ignores_the_order_of_its_outcomes_but_not_its_content(exported: Path) -> None:
    scenario = scenario_from_json(next(iter(scenarios(exported).values())))
    plan = replace(
        scenario.sessions[0],
        outcomes=(
            InjectedOutcome("VM 1", 2, TaskResult.FAILED),
            InjectedOutcome("VM 1", 1, TaskResult.WARNING),
        ),
    )
    swapped = replace(plan, outcomes=tuple(reversed(plan.outcomes)))
    assert scenario_key(replace(scenario, sessions=(plan,))) == scenario_key(
        replace(scenario, sessions=(swapped,))
    )
    assert scenario_key(replace(scenario, sessions=(plan,))) != scenario_key(scenario)


def test_a_second_export_removes_the_files_of_scenarios_no_longer_in_the_suite(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    index = export(folder)
    stale = "retry-count--a-scenario-since-deleted--0123456789ab"
    (folder / f"{stale}.json").write_text("{}", encoding="utf-8")
    (folder / INDEX).write_text(json.dumps({**index, stale: {}}), encoding="utf-8")
    assert export(folder) == index
    assert not (folder / f"{stale}.json").exists()


# -- replay --------------------------------------------------------------------------------------------


def _reference(scenario: Scenario) -> Json:
    """A product follows one reading of each point, whatever the exported scenario says it is judged
    under: here the kit's defaults."""
    return trace_to_json(engine.run(replace(scenario, readings=DEFAULT)))


@pytest.mark.parametrize("live", [None, MUTANT], ids=["reference", "mutant-no-retry"])
def test_replaying_recorded_traces_gives_the_verdicts_of_a_live_run(
    exported: Path, tmp_path: Path, live: list[str] | None
) -> None:
    if live is None:
        traces = record(exported, tmp_path / "traces", _reference)
        live_options: list[str] = []
    else:
        recorder = AdapterTarget(live)
        try:
            traces = record(exported, tmp_path / "traces", lambda s: trace_to_json(recorder.run(s)))
        finally:
            recorder.close()
        live_options = ["--adapter", shlex.join(live)]
    replayed = feature_run(tmp_path / "replayed", "--traces", str(traces))
    judged_live = feature_run(tmp_path / "live", *live_options)
    assert verdicts(replayed) == verdicts(judged_live)
    assert (replayed["conforms"], replayed["reasons"]) == (judged_live["conforms"], judged_live["reasons"])
    assert replayed["implementation"]["name"] == "traces"
    assert replayed["implementation"]["traces"] == str(traces.resolve())
    assert all(f"--traces {traces.resolve()}" in s["rerun"] for s in replayed["scenarios"])
    if live is not None:
        assert {"failed"} <= {v for v, _ in verdicts(replayed).values()}


def test_a_missing_and_a_corrupted_trace_are_errors_of_exactly_their_scenarios(
    exported: Path, tmp_path: Path
) -> None:
    traces = record(exported, tmp_path / "traces", _reference)
    index = json.loads((exported / INDEX).read_text(encoding="utf-8"))
    keys = [scenario_key(scenario_from_json(d)) for d in scenarios(exported).values()]
    alone = [i for i in index if sum(i.endswith(k) for k in keys) == 1]
    removed, corrupted = alone[0], alone[-1]
    (traces / f"{removed}.json").unlink()
    whole = (traces / f"{corrupted}.json").read_text(encoding="utf-8")
    (traces / f"{corrupted}.json").write_text(whole[: len(whole) // 2], encoding="utf-8")
    report = feature_run(tmp_path / "replayed", "--traces", str(traces))
    errors = {n: kind for n, (v, kind) in verdicts(report).items() if v not in ("passed", "not applicable")}
    assert errors == {
        index[removed]["nodeid"]: ErrorKind.MISSING_TRACE.value,
        index[corrupted]["nodeid"]: ErrorKind.PROTOCOL.value,
    }
    assert report["conforms"] == "not established"


EXAMPLE = scenario_from_json(
    next(m["scenario"] for m in schema("protocol")["examples"] if m["type"] == "run")
)


def write_trace(folder: Path, name: str, trace: object) -> None:
    (folder / f"{name}--{scenario_key(EXAMPLE)}.json").write_text(json.dumps(trace), encoding="utf-8")


def test_a_trace_that_breaks_the_schema_is_a_protocol_violation_naming_its_json_path(tmp_path: Path) -> None:
    write_trace(tmp_path, "example", {"sessions": [{"number": 1}], "files": []})
    with pytest.raises(TargetError, match=r"at \$\.sessions\[0\]: 'trigger' is a required") as raised:
        ReplayTarget(tmp_path).run(EXAMPLE)
    assert raised.value.kind is ErrorKind.PROTOCOL


def test_two_recordings_of_one_scenario_must_agree(tmp_path: Path) -> None:
    """The suite states a worked example twice; a trace recorded for each must make the same decisions."""
    write_trace(tmp_path, "example", _reference(EXAMPLE))
    write_trace(tmp_path, "restated", _reference(EXAMPLE))
    assert ReplayTarget(tmp_path).run(EXAMPLE) == engine.run(EXAMPLE)
    untroubled = replace(EXAMPLE, sessions=(replace(EXAMPLE.sessions[0], outcomes=()),))
    write_trace(tmp_path, "restated", _reference(untroubled))
    with pytest.raises(TargetError, match="make different decisions") as raised:
        ReplayTarget(tmp_path).run(EXAMPLE)
    assert raised.value.kind is ErrorKind.NONDETERMINISTIC


# -- identity ------------------------------------------------------------------------------------------


def test_without_identity_json_the_folder_names_the_target_and_every_capability_is_declared(
    tmp_path: Path,
) -> None:
    identity = read_identity(tmp_path)
    assert (identity.name, identity.capabilities) == (tmp_path.name, ALL_CAPABILITIES)


def test_identity_json_names_the_product_and_its_capabilities(tmp_path: Path) -> None:
    hello = {"implementation": {"name": "acme", "version": "4.2"}, "capabilities": ["chain:per_machine"]}
    (tmp_path / IDENTITY).write_text(json.dumps(hello), encoding="utf-8")
    identity = read_identity(tmp_path)
    assert (identity.name, identity.version, identity.capabilities) == ("acme", "4.2", {"chain:per_machine"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "cannot be read as JSON"),
        ("[]", "must hold a JSON object"),
        (
            '{"implementation": {"name": "acme", "version": "1"}, "capabilities": ["tape"]}',
            r"\$\.capabilities\[0\]",
        ),
    ],
)
def test_a_broken_identity_json_stops_the_run_before_any_scenario(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / IDENTITY).write_text(content, encoding="utf-8")
    with pytest.raises(KitUsageError, match=message):
        check_choice(None, 10.0, tmp_path)


def test_traces_and_an_adapter_are_one_target_too_many(tmp_path: Path) -> None:
    with pytest.raises(KitUsageError, match="give one of them"):
        check_choice(shlex.join([sys.executable, "x.py"]), 10.0, tmp_path)
    with pytest.raises(KitUsageError, match="no such folder"):
        check_choice(None, 10.0, tmp_path / "absent")
