"""Prefetching gives the verdicts of one run at a time: a feature run against every broken adapter, its
scenarios sent all at once in a window of 8, grades every scenario as the same run without prefetching
does, stops (or not) where it does; and every shipped mutant answers each scenario of the suite alike."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from checkout import ROOT
from test_pipelining import SLOW, summary

from retrykit import export, prefetch
from retrykit.adapter import AdapterTarget
from retrykit.mutation import mutant_command, shipped
from retrykit.reference.model import Scenario

BROKEN = ROOT / "tests" / "broken_adapters"
WINDOW = 8


def verdicts(report_dir: Path) -> dict[str, object]:
    """What a feature run's report grades: every scenario's verdict, kind of error and rules at fault,
    the run's verdict, and whether the kit stopped using the adapter."""
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    scenarios = {s["nodeid"]: (s["verdict"], s["error_kind"], s["findings"]) for s in report["scenarios"]}
    return {
        "scenarios": scenarios,
        "conforms": report["conforms"],
        "stopped": bool(report["implementation"]["stopped"]),
    }


def feature_run(adapter: str, mode: prefetch.Mode, folder: Path) -> dict[str, object]:
    timeout = "0.5" if adapter in SLOW else "10"
    command = shlex.join([sys.executable, str(BROKEN / f"{adapter}.py")])
    options = ["--adapter", command, "--adapter-timeout", timeout, "--prefetch", mode.value]
    pytest.main([str(ROOT / "features"), "-q", *options, "--report-dir", str(folder)])
    return verdicts(folder)


@pytest.mark.parametrize("adapter", sorted(p.stem for p in BROKEN.glob("[a-z]*.py")))
def test_a_feature_run_grades_alike_with_and_without_prefetch(
    adapter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch = prefetch.fetch
    fetched: list[int] = []

    def in_a_window(target: AdapterTarget, scenarios: list[Scenario]) -> prefetch.Prefetched:
        target.window = WINDOW
        fetched.append(len(scenarios))
        return fetch(target, scenarios)

    monkeypatch.setattr(prefetch, "fetch", in_a_window)
    one_at_a_time = feature_run(adapter, prefetch.Mode.OFF, tmp_path / "off")
    assert fetched == []
    prefetched = feature_run(adapter, prefetch.Mode.ON, tmp_path / "on")
    assert prefetched == one_at_a_time
    assert len(fetched) == 1 and fetched[0] > 0


@pytest.fixture(scope="module")
def suite() -> list[Scenario]:
    return [e.scenario for e in export.built([str(ROOT / "features")])]


@pytest.mark.parametrize("name", sorted(shipped().MUTANTS))
def test_a_mutant_answers_the_suite_alike_prefetched_and_one_at_a_time(
    name: str, suite: list[Scenario]
) -> None:
    target = AdapterTarget(mutant_command(name))
    try:
        target.start()
        target.window = WINDOW
        answers = prefetch.fetch(target, suite)
        prefetched = [summary(answer.outcome) for s in suite if (answer := answers.take(s)) is not None]
        live = [summary(o) for o in map(target._outcome, suite)]
    finally:
        target.close()
    assert prefetched == live and len(live) == len(suite)


@pytest.mark.parametrize("options", [[], ["--reading=retry-command-retried=yes"]])
def test_every_scenario_takes_its_prefetched_answer_under_the_run_s_readings(
    options: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nested run builds the very scenarios the tests build (readings included): none runs live."""
    run = AdapterTarget.run
    live: list[Scenario] = []

    def counted(target: AdapterTarget, scenario: Scenario) -> object:
        live.append(scenario)
        return run(target, scenario)

    monkeypatch.setattr(AdapterTarget, "run", counted)
    adapter = shlex.join([sys.executable, str(ROOT / "adapters" / "reference_adapter.py")])
    arguments = [str(ROOT / "features"), "-q", "--adapter", adapter, *options, "--report-dir", str(tmp_path)]
    pytest.main(arguments)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["total"] > report["totals"]["not applicable"] and live == []
