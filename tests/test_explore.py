"""Property-based, differential exploration and its minimal Gherkin reproducers."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT
from hypothesis import HealthCheck, given, settings

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.codec import scenario_from_json
from retrykit.drivers import ReferenceTarget
from retrykit.errors import TargetError
from retrykit.explore import explore
from retrykit.gherkin import feature_gherkin, scenario_gherkin
from retrykit.reference.model import ChainFormat, Job, Scenario, SessionPlan
from retrykit.results import Conforms
from retrykit.strategies import scenarios
from retrykit.validation import schema

CATALOGUE = load_catalogue()
MUTANTS = ROOT / "adapters" / "mutants.py"
BROKEN = ROOT / "tests" / "broken_adapters"
PYTEST_INI = """[pytest]
addopts = -p no:cacheprovider
markers =
    rule(rule_id): catalogue rule
    interpretation: rests on the kit's reading
"""


def mutant(name: str) -> str:
    return shlex.join([sys.executable, str(MUTANTS), name])


def run_feature(folder: Path, gherkin: str, adapter: str | None) -> subprocess.CompletedProcess[str]:
    """Run a feature file outside the kit's features/ folder, as a vendor pasting a reproducer would."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reproducer.feature").write_text(gherkin, encoding="utf-8")
    (folder / "test_reproducer.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios("reproducer.feature")\n'
    )
    (folder / "pytest.ini").write_text(PYTEST_INI)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(folder),
        "-q",
        "--rootdir",
        str(folder),
        "-c",
        str(folder / "pytest.ini"),
    ]
    command += ["--report-dir", str(folder / "report")] + (["--adapter", adapter] if adapter else [])
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_the_reference_passes_a_long_search() -> None:
    state = explore(ReferenceTarget(), CATALOGUE, examples=1500, seed=None, include_interpretations=True)
    assert state.finding is None
    assert state.examples == 1500
    assert state.interpretation_differences == 0


def test_a_wrong_implementation_is_caught_with_a_small_runnable_reproducer(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    code = main(
        [
            "explore",
            "--examples",
            "300",
            "--seed",
            "7",
            "--adapter",
            mutant("sf-retry-new-file"),
            "--out",
            str(out),
        ]
    )
    assert code == 1
    gherkin = (out / "reproducer.feature").read_text(encoding="utf-8")
    found = scenario_from_json(json.loads((out / "reproducer.json").read_text(encoding="utf-8")))
    assert "@JR.SF.RETRY-SAME-FILE" in gherkin
    assert len(found.sessions) == 1 and len(found.job.vms) <= 2
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["conforms"] == "no", report["reasons"]
    assert {r["id"]: r["verdict"] for r in report["rules"]}["JR.SF.RETRY-SAME-FILE"] == "failed"
    [entry] = report["scenarios"]
    assert entry["reproducer"] == gherkin and "JR.SF.RETRY-SAME-FILE" in entry["rules"]
    assert entry["trace"] and entry["expected_trace"]

    on_mutant = run_feature(tmp_path / "mutant", gherkin, mutant("sf-retry-new-file"))
    assert on_mutant.returncode == 1 and "1 failed" in on_mutant.stdout, on_mutant.stdout[-2000:]
    on_reference = run_feature(tmp_path / "reference", gherkin, None)
    assert on_reference.returncode == 0 and "1 passed" in on_reference.stdout, on_reference.stdout[-2000:]


def test_an_interpretation_only_difference_does_not_stop_the_search_unless_asked() -> None:
    from retrykit.adapter import AdapterTarget

    target = AdapterTarget(shlex.split(mutant("job-failure-ignored")))
    try:
        lenient = explore(target, CATALOGUE, examples=300, seed=3)
        strict = explore(target, CATALOGUE, examples=300, seed=3, include_interpretations=True)
    finally:
        target.close()
    assert lenient.finding is None and lenient.interpretation_differences > 0
    assert strict.finding is not None and strict.finding.rules == ("JR.JOB-FAILURE",)


def test_capabilities_not_declared_are_skipped_not_failed() -> None:
    target = ReferenceTarget()
    target.identity = type(target.identity)("partial", "1", frozenset({"chain:per_machine"}))
    state = explore(target, CATALOGUE, examples=200, seed=5)
    assert state.finding is None and 0 < state.not_applicable < state.examples


collected: list[Scenario] = []


@settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(scenarios(max_vms=4, max_sessions=3))
def _collect(scenario: Scenario) -> None:
    collected.append(scenario)


def test_emitted_gherkin_rebuilds_the_same_behaviour_through_the_steps(tmp_path: Path) -> None:
    """Each generated scenario, written as Gherkin and run through the kit's own steps, passes on the
    reference: the Given steps rebuild a scenario the reference treats exactly as the original."""
    collected.clear()
    _collect()
    body = "\n".join(scenario_gherkin(s, f"Generated scenario {n}") for n, s in enumerate(collected, start=1))
    done = run_feature(tmp_path, f"Feature: Generated\n\n{body}", None)
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{len(collected)} passed" in done.stdout


def test_explore_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--adapter", "no-such-program-here"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_feature_gherkin_is_a_whole_feature() -> None:
    scenario = scenario_from_json(schema("scenario")["examples"][0])
    text = feature_gherkin(scenario, "x", ["JR.COUNT.DEFAULT"], comment="a\nb")
    assert text.startswith("# a\n# b\nFeature: ")
    assert "  @JR.COUNT.DEFAULT\n  Scenario: x\n" in text


def test_a_failure_that_does_not_reproduce_is_reported_as_nondeterministic_not_shrunk() -> None:
    """An adapter that answers a wrong status at random: each failure is run again before it is shrunk,
    and one that the second run does not show makes the verdict "not established", never "yes"."""
    from retrykit.adapter import AdapterTarget

    flaky = [sys.executable, str(ROOT / "tests" / "trust_adapters" / "breaches.py"), "flaky"]
    target = AdapterTarget(flaky)
    try:
        state = explore(target, CATALOGUE, examples=60, seed=11)
    finally:
        target.close()
    assert state.unreproduced, "no failure of the flaky adapter failed to reproduce"
    conforms, reasons = state.verdict(include_interpretations=False)
    assert conforms is not Conforms.YES
    assert any("did not reproduce" in reason for reason in reasons)


def test_explore_exit_status_follows_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--examples", "30", "--seed", "1"]) == 0
    assert "conforms: yes" in capsys.readouterr().out
    skipping = shlex.join([sys.executable, str(ROOT / "tests" / "broken_adapters" / "answers_skipped.py")])
    assert main(["explore", "--examples", "30", "--seed", "1", "--adapter", skipping]) == 1
    assert "conforms: not established" in capsys.readouterr().out


def _explored(command: str, window: int, seed: int | None) -> tuple[object, ...]:
    """Explore through ``command`` with ``window`` runs in flight: what it found, as one compares searches."""
    from retrykit.adapter import AdapterTarget

    target = AdapterTarget(shlex.split(command))
    try:
        target.start()
        target.window = window
        state = explore(target, CATALOGUE, examples=300, seed=seed)
    finally:
        target.close()
    assert state.finding is not None
    return state.examples, state.finding.scenario, state.finding.rules, state.finding.error_kind


def _watch_searches(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ahead-of-time outcomes each search proper was given, in order, checked once it ended."""
    from retrykit import explore as module

    given: list[Any] = []
    search = module._search

    def watched(*args: Any) -> module.Exploration:
        state = search(*args)
        given.append(args[-1])
        return state

    monkeypatch.setattr(module, "_search", watched)
    return given


@pytest.mark.parametrize(
    ("command", "seed"),
    [
        (mutant("manual-stop-retried"), 7),
        (mutant("manual-stop-retried"), None),
        (shlex.join([sys.executable, str(BROKEN / "crashes_on_second_run.py")]), 7),
    ],
)
def test_a_pipelined_search_finds_and_shrinks_what_a_search_one_run_at_a_time_does(
    command: str, seed: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a window the scenarios are generated first and run all at once; the search then runs
    again over them (seeded or derandomised, it draws the same scenarios: nothing is left untaken), so
    what it reruns, shrinks and reports is what one run at a time finds."""
    searches = _watch_searches(monkeypatch)
    assert _explored(command, 16, seed) == _explored(command, 1, seed)
    assert [a.diverged for a in searches] == [False, False]


def test_a_search_that_draws_other_scenarios_the_second_time_runs_again_live(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should hypothesis draw other scenarios than the pipelined first pass sent (outcomes left untaken),
    the search is run once more with every scenario asked live, and finds what one run at a time finds."""
    from retrykit import explore as module

    command = mutant("manual-stop-retried")
    expected = _explored(command, 1, 7)

    def sent_other_scenarios(target: object, catalogue: object, search: object) -> tuple[object, None]:
        ahead = module._Ahead()
        never_drawn = Scenario(Job("never drawn", ("VM 1",), ChainFormat.PER_MACHINE), (SessionPlan(),))
        ahead.add(never_drawn, TargetError("never asked"))
        return ahead, None

    monkeypatch.setattr(module, "_asked_ahead", sent_other_scenarios)
    searches = _watch_searches(monkeypatch)
    assert _explored(command, 16, 7) == expected
    assert [a.diverged for a in searches] == [True, False]
