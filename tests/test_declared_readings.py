"""explore and exhaust judge a target under the readings it declares, as the feature run does.

A target that declares an alternative and follows it conforms, with no difference counted; one that
declares an alternative and follows another fails that reading's rule; ``--reading`` speaks for the
product where its adapter says nothing; the reproducers carry the reading they were found under, and the
shards of one run agree on it.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from checkout import ROOT
from test_exhaust import run_feature

from retrykit import shards
from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.exhaust import Exhaustion, exhaust
from retrykit.explore import explore
from retrykit.readings import active, bind, load_readings
from retrykit.reference.readings import alternatives
from retrykit.report import load_report
from retrykit.results import Conforms, Verdict
from retrykit.space import Bound
from retrykit.targets import open_target

ADAPTER = [sys.executable, str(ROOT / "adapters" / "reference_adapter.py")]
ONE_SESSION = Bound(max_vms=2, max_sessions=1, max_injections=3)
RULES = {r.name: r.rule for r in load_readings()}
BOUNDS = {"retry-command-retried": Bound(max_vms=1, max_injections=2)}
"""A Retry-command session is never the first: its reading needs two sessions."""
OTHER = [(name, value) for name in alternatives() for value in alternatives()[name][1:]]


def adapter(*options: str) -> str:
    return shlex.join([*ADAPTER, *options])


def exhausted(name: str, *options: str) -> Exhaustion:
    """Exhaust through the reference adapter at a small bound that exercises reading ``name``, judged as
    ``retry-kit exhaust`` judges it."""
    target = open_target(adapter(*options))
    try:
        judging = shards.judging(target, ())
        return exhaust(target, BOUNDS.get(name, ONE_SESSION), judging.catalogue, readings=judging.readings)
    finally:
        target.close()


@pytest.mark.parametrize(("name", "value"), OTHER)
def test_exhaust_judges_a_declared_alternative_the_target_follows_as_conforming(
    name: str, value: str
) -> None:
    result = exhausted(name, f"--reading={name}={value}")
    assert (result.groups, result.interpretation_differences, result.complete) == ((), 0, True)


@pytest.mark.parametrize(("name", "value"), OTHER)
def test_exhaust_fails_a_declared_alternative_the_target_does_not_follow(name: str, value: str) -> None:
    result = exhausted(name, f"--declare={name}={value}")
    groups = {g.key: g for g in result.groups}
    assert RULES[name] in groups, [g.key for g in result.groups]
    assert groups[RULES[name]].smallest.verdict is Verdict.FAILED
    assert groups[RULES[name]].smallest.scenario.readings == active({name: value})


@pytest.mark.parametrize(("name", "value"), OTHER)
def test_exhaust_counts_an_undeclared_alternative_as_an_interpretation_difference(
    name: str, value: str
) -> None:
    result = exhausted(name, f"--implement={name}={value}")
    assert result.groups == () and result.interpretation_differences > 0


def test_explore_judges_under_the_declared_reading() -> None:
    """Before explore read the hello's readings, a target following its declared reading differed on every
    count-0 scenario; one that declares it and does otherwise now fails the reading's rule."""
    declared = {"retry-count-zero": "default-count"}
    catalogue = bind(load_catalogue(), declared)
    for options, verdict in (
        (["--reading=retry-count-zero=default-count"], Conforms.YES),
        (["--declare=retry-count-zero=default-count"], Conforms.NO),
    ):
        target = open_target(adapter(*options))
        try:
            state = explore(target, catalogue, examples=150, seed=None, readings=active(declared))
        finally:
            target.close()
        assert state.verdict(False)[0] is verdict, state.verdict(False)[1]
        assert state.interpretation_differences == 0
        if verdict is Conforms.NO:
            assert state.finding is not None and state.finding.rules == ("JR.COUNT.ZERO",)


def test_a_reproducer_found_under_a_user_declared_reading_carries_it(tmp_path: Path) -> None:
    """--reading binds in exhaust: the product refuses nothing, so a count of 0 read as rejected fails; the
    reproducer says so, is tagged with the reading, and passes on the reference under it."""
    out = tmp_path / "out"
    command = ["exhaust", "--max-vms=1", "--max-sessions=1", "--out", str(out)]
    status = main([*command, "--reading=retry-count-zero=rejected", "--adapter", adapter()])
    assert status == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [g["key"] for g in summary["groups"]] == ["JR.COUNT.ZERO"]
    assert "--reading=retry-count-zero=rejected" in summary["rerun"]
    assert summary["run"]["adapter"]["readings"] == {"retry-count-zero": "rejected"}
    report = load_report(out / "report.json")
    assert report["conforms"] == "no" and "retry-count-zero=rejected" in report["readings"]["summary"]
    assert next(r for r in report["rules"] if r["id"] == "JR.COUNT.ZERO")["kind"] == "declared reading"

    folder = out / "JR.COUNT.ZERO"
    gherkin = (folder / "reproducer.feature").read_text(encoding="utf-8")
    assert "@reading:retry-count-zero=rejected" in gherkin
    assert "Then the target refuses the job's retry settings" in gherkin
    passed = run_feature(folder, None, "--reading=retry-count-zero=rejected")
    assert passed.returncode == 0 and "1 passed" in passed.stdout, passed.stdout[-2000:]
    failed = run_feature(folder, adapter(), "--reading=retry-count-zero=rejected")
    assert failed.returncode == 1 and "1 failed" in failed.stdout, failed.stdout[-2000:]
    not_applicable = run_feature(folder, None)
    assert "1 skipped" in not_applicable.stdout, not_applicable.stdout[-2000:]


def test_shards_judged_under_other_readings_are_not_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["exhaust", "--max-vms=1", "--max-sessions=1", "--run-id=r1"]
    main([*common, "--shard=1/2", "--reading=job-failure=sticky", "--out", str(tmp_path / "1")])
    main([*common, "--shard=2/2", "--out", str(tmp_path / "2")])
    capsys.readouterr()
    assert main(["combine", str(tmp_path / "1"), str(tmp_path / "2")]) == 1
    assert "INCOMPLETE" in capsys.readouterr().out


def test_a_malformed_reading_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("exhaust", "explore"):
        assert main([command, "--reading=job-failure=never"]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "--reading job-failure: the alternatives are" in error
