"""Exhaustive checking: the reference passes the whole space, shipped mutants are caught by their rule
with a smallest reproducer that is valid Gherkin, passes on the reference and fails on the mutant."""

from __future__ import annotations

import io
import json
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT
from gherkin.parser import Parser

from retrykit.adapter import AdapterTarget
from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.codec import scenario_from_json
from retrykit.drivers import ReferenceTarget, TargetIdentity
from retrykit.errors import TargetError, TargetSkipped
from retrykit.exhaust import (
    ERRORS_IN_A_ROW_BEFORE_GIVING_UP,
    Exhaustion,
    exhaust,
    terminal_progress,
    weight,
    write,
)
from retrykit.gherkin import scenario_gherkin
from retrykit.mutation import shipped
from retrykit.naming import file_name
from retrykit.reference.model import Scenario, StopMode, Trace, Trigger
from retrykit.report import Implementation, load_report
from retrykit.space import DEFAULT, Bound, scenarios, size

CATALOGUE = load_catalogue()
MUTANTS = ROOT / "adapters" / "mutants.py"
SMALL = Bound(max_vms=2, max_injections=2)
ONE_SESSION = Bound(max_vms=2, max_sessions=1, max_injections=3)
PYTEST_INI = """[pytest]
addopts = -p no:cacheprovider
markers =
    rule(rule_id): catalogue rule
    interpretation: rests on the kit's reading
"""


def mutant(name: str) -> str:
    return shlex.join([sys.executable, str(MUTANTS), name])


def against(name: str, bound: Bound, include_interpretations: bool = False) -> Exhaustion:
    target = AdapterTarget(shlex.split(mutant(name)))
    try:
        return exhaust(target, bound, CATALOGUE, include_interpretations=include_interpretations)
    finally:
        target.close()


def run_feature(folder: Path, adapter: str | None, *options: str) -> subprocess.CompletedProcess[str]:
    """Run a written reproducer where it lies, as a vendor would after pasting it (see test_explore)."""
    (folder / "test_reproducer.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios("reproducer.feature")\n'
    )
    (folder / "pytest.ini").write_text(PYTEST_INI)
    command = [sys.executable, "-m", "pytest", str(folder), "-q", "--rootdir", str(folder)]
    command += ["-c", str(folder / "pytest.ini"), "--report-dir", str(folder / "report")]
    command += [*(["--adapter", adapter] if adapter else []), *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_the_reference_passes_every_scenario_of_a_small_bound() -> None:
    result = exhaust(ReferenceTarget(), SMALL, CATALOGUE)
    assert result.groups == () and result.complete
    assert result.judged == result.space == size(SMALL) and result.skipped == 0


TWO_VMS = Bound(
    max_vms=2, triggers=(Trigger.SCHEDULED, Trigger.MANUAL), stop_modes=(StopMode.IMMEDIATE,), extras=()
)
"""The default bound with one VM fewer and only the page's own inputs: it still holds a scenario that
catches every mutant of the page's worked examples (benchmarks/run.py checks the default bound itself), in a
fraction of the time."""
TWO_VMS_ONE_SESSION = Bound(max_vms=2, max_sessions=1)
TWO_VMS_TWO_INJECTIONS = Bound(max_vms=2, max_injections=2, extras=())
ONE_VM_TWO_INJECTIONS = Bound(max_vms=1, max_injections=2)
RETRY_COMMAND = Bound(max_vms=1, max_injections=2, stop_modes=(StopMode.IMMEDIATE,), extras=())
"""Two sessions of one VM, the second one possibly a Retry: the Retry command's mutants show there."""
NEEDS: dict[str, Bound] = {
    "every-file-full": TWO_VMS,
    "only-left-over": TWO_VMS,
    "pm-first-backup-incremental": TWO_VMS,
    "sf-new-vm-incremental": TWO_VMS,
    "pm-left-over-skipped": TWO_VMS_TWO_INJECTIONS,
    "sf-left-over-skipped": TWO_VMS_TWO_INJECTIONS,
    "sf-retry-into-earlier-file": TWO_VMS_TWO_INJECTIONS,
    "retry-never-refused": RETRY_COMMAND,
    "retry-runs-whole-job": RETRY_COMMAND,
    "retry-run-retried": RETRY_COMMAND,
}
"""The mutants the smallest of these bounds (one session) does not catch, with the next one that does; every
one of them lies within the default bound (a test below checks it)."""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_node_adapter_passes_every_scenario_of_a_small_bound() -> None:
    """An independent reading of the page agrees with the reference everywhere within the bound,
    interpretations included, through its declared window."""
    target = AdapterTarget(["node", str(ROOT / "adapters" / "node" / "adapter.mjs")])
    try:
        target.start()
        result = exhaust(target, SMALL, CATALOGUE, include_interpretations=True)
    finally:
        target.close()
    assert target.window > 1 and target.restarts == 0
    assert result.groups == () and result.complete and result.space == size(SMALL)
    missing = {"graceful_stop", "trigger:retry", "retry_wait", "notifications", "post_job"}
    assert not missing & target.identity.capabilities, "the Node example now declares more: judge it all"
    page_only = replace(SMALL, triggers=TWO_VMS.triggers, stop_modes=TWO_VMS.stop_modes, extras=())
    assert result.judged == size(page_only) and result.judged + result.skipped == result.space


def test_every_scenario_of_the_smaller_bounds_is_one_of_the_default_bound() -> None:
    """What exhaust finds at the mutants' bounds it finds at the default bound too: that bound enumerates
    every scenario of the smaller ones, so a mutant caught there is caught by the default bound's run."""
    default = set(scenarios(DEFAULT))
    for bound in {*NEEDS.values(), TWO_VMS_ONE_SESSION}:
        assert set(scenarios(bound)) <= default, bound


WRONG = sorted(shipped().MUTANTS)
OTHER_READINGS = sorted(shipped().READINGS)


def _found(name: str) -> set[str]:
    """The group keys exhaust finds against a shipped mutant at its bound; for one that follows another
    reading, with the differences on interpretations grouped too. Each test runs its own mutant, so
    pytest-xdist's workers share the mutants out instead of each running them all."""
    result = against(name, NEEDS.get(name, TWO_VMS_ONE_SESSION), name in OTHER_READINGS)
    return {g.key for g in result.groups}


@pytest.mark.parametrize("name", WRONG)
def test_a_mutant_is_caught_by_the_rule_it_breaks(name: str) -> None:
    found = _found(name)
    assert shipped().MUTANTS[name].rule in found, sorted(found)


@pytest.mark.parametrize("name", OTHER_READINGS)
def test_a_mutant_following_another_reading_differs_on_that_reading(name: str) -> None:
    found = _found(name)
    assert shipped().READINGS[name].rule in found, sorted(found)


def test_each_group_keeps_its_smallest_scenario() -> None:
    """The default count needs a VM failing three attempts; a second file of a session needs two VMs."""
    [group] = against("default-count-2", ONE_SESSION).groups
    assert weight(group.smallest.scenario) == (1, 1, 3)
    [group] = against("sf-retry-new-file", TWO_VMS_TWO_INJECTIONS).groups
    assert weight(group.smallest.scenario) == (2, 1, 1) and group.count > 1


def test_the_written_reproducer_parses_passes_on_the_reference_and_fails_on_the_mutant(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    command = ["exhaust", "--max-vms", "2", "--max-sessions", "1", "--out", str(out)]
    assert main([*command, "--adapter", mutant("sf-retry-new-file")]) == 1
    folder = out / "JR.SF.RETRY-SAME-FILE"
    gherkin = (folder / "reproducer.feature").read_text(encoding="utf-8")
    feature = Parser().parse(gherkin)["feature"]
    assert feature is not None
    children: list[Any] = list(feature["children"])
    [scenario] = [child["scenario"] for child in children]
    assert [t["name"] for t in scenario["tags"]] == ["@JR.SF.RETRY-SAME-FILE"]
    found = scenario_from_json(json.loads((folder / "reproducer.json").read_text(encoding="utf-8")))
    assert len(found.job.vms) == 2 and len(found.sessions) == 1

    report = load_report(out / "report.json")
    assert report["conforms"] == "no", report["reasons"]
    assert {r["id"]: r["verdict"] for r in report["rules"]}["JR.SF.RETRY-SAME-FILE"] == "failed"
    [entry] = report["scenarios"]
    assert entry["reproducer"] == gherkin and "JR.SF.RETRY-SAME-FILE" in entry["rules"]
    assert f"of {size(Bound(max_vms=2, max_sessions=1)):,} scenarios judged in" in entry["feature"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["space"] == summary["judged"] and summary["groups"][0]["key"] == "JR.SF.RETRY-SAME-FILE"

    on_reference = run_feature(folder, None)
    assert on_reference.returncode == 0 and "1 passed" in on_reference.stdout, on_reference.stdout[-2000:]
    on_mutant = run_feature(folder, mutant("sf-retry-new-file"))
    assert on_mutant.returncode == 1 and "1 failed" in on_mutant.stdout, on_mutant.stdout[-2000:]


def test_nothing_found_exits_0_with_a_summary_and_no_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exhaust", "--max-vms", "1", "--max-sessions", "1", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["groups"] == [] and summary["judged"] == summary["space"] == size(
        Bound(max_vms=1, max_sessions=1)
    )
    assert not (tmp_path / "report.json").exists()
    assert f"{summary['space']:,} of {summary['space']:,} scenarios judged in" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option, value",
    [
        ("--max-vms", "0"),
        ("--max-vms", "-1"),
        ("--max-sessions", "99"),
        ("--retries", "x"),
        ("--max-injections", "1e9"),
    ],
)
def test_bad_widths_are_refused_in_one_line_with_exit_2(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["exhaust", option, value])
    assert exit_.value.code == 2
    [message] = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert option in message


class Failing:
    """Errs on every scenario, as an adapter that never answers would (only faster)."""

    identity = TargetIdentity("failing", "1")

    def run(self, scenario: Scenario) -> Trace:
        raise TargetError("no answer")

    def close(self) -> None:
        """Nothing to release."""


class Skipping(Failing):
    def run(self, scenario: Scenario) -> Trace:
        raise TargetSkipped("not supported")


def test_a_target_that_errs_on_everything_is_given_up_on() -> None:
    result = exhaust(Failing(), SMALL, CATALOGUE)
    assert result.judged == ERRORS_IN_A_ROW_BEFORE_GIVING_UP and not result.complete
    assert [(g.key, g.count) for g in result.groups] == [("error", ERRORS_IN_A_ROW_BEFORE_GIVING_UP)]


def test_skipped_and_undeclared_scenarios_are_counted_not_judged() -> None:
    """A skipped scenario is not judged, except one whose refusal a rule judges: refusing a retry count of 0
    is reading it as 'rejected', a difference from the kit's reading of JR.COUNT.ZERO."""
    skipping = exhaust(Skipping(), ONE_SESSION, CATALOGUE)
    zero = sum(s.job.retry.count == 0 and s.job.retry.enabled for s in scenarios(ONE_SESSION))
    assert zero > 0 and skipping.groups == ()
    assert (skipping.skipped, skipping.interpretation_differences) == (size(ONE_SESSION) - zero, zero)
    partial = ReferenceTarget()
    partial.identity = TargetIdentity("partial", "1", frozenset({"chain:per_machine"}))
    result = exhaust(partial, ONE_SESSION, CATALOGUE)
    assert result.groups == () and result.complete and 0 < result.skipped < result.space


def test_an_interpretation_only_difference_is_grouped_only_when_asked() -> None:
    target = AdapterTarget(shlex.split(mutant("every-file-full")))
    try:
        lenient = exhaust(target, Bound(max_vms=1, max_injections=1), CATALOGUE)
        strict = exhaust(target, Bound(max_vms=1, max_injections=1), CATALOGUE, include_interpretations=True)
    finally:
        target.close()
    assert lenient.groups == () and lenient.interpretation_differences > 0
    assert [g.key for g in strict.groups] == ["JR.CHAIN.FULL-FIRST"]


def test_progress_shows_on_a_terminal_only() -> None:
    assert terminal_progress(io.StringIO()) is None

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    show = terminal_progress(screen)
    assert show is not None
    show(50, 100, False)
    show(100, 100, True)
    assert screen.getvalue().count("\r") == 2 and screen.getvalue().endswith("100/100 scenarios, 0 s\n")


def test_each_group_gets_a_folder_of_its_own_and_a_report_entry(tmp_path: Path) -> None:
    result = against("retry-reprocesses-all", ONE_SESSION)
    implementation = Implementation("mutant", "1", "1.0", mutant("retry-reprocesses-all"))
    write(result, tmp_path, CATALOGUE, implementation, "retry-kit exhaust")
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} == {file_name(g.key) for g in result.groups}
    assert len(load_report(tmp_path / "report.json")["scenarios"]) == len(result.groups) > 1


def _related_input(scenario: Scenario) -> bool:
    job = scenario.job
    settings = (job.retry.wait_minutes, job.notifications, job.continuous_schedule, job.post_job_script)
    retry = any(p.trigger is Trigger.RETRY for p in scenario.sessions)
    graceful = any(p.stop is not None and p.stop.mode is StopMode.GRACEFUL for p in scenario.sessions)
    return retry or graceful or any(settings)


def test_reproducers_say_the_related_pages_inputs_in_the_steps_words(tmp_path: Path) -> None:
    """A reproducer states every input of its scenario (a wait, a continuous schedule, notifications, a
    post-job script and chained job, a Retry-command session, a graceful stop) and what the reference does
    with it: written as Gherkin and run through the kit's steps, each sample passes on the reference."""
    related = [s for s in scenarios(ONE_VM_TWO_INJECTIONS) if _related_input(s)]
    sample = related[:: len(related) // 60]
    body = "\n".join(scenario_gherkin(s, f"Enumerated scenario {n}") for n, s in enumerate(sample, start=1))
    (tmp_path / "reproducer.feature").write_text(f"Feature: Enumerated\n\n{body}", encoding="utf-8")
    done = run_feature(tmp_path, None)
    assert done.returncode == 0 and f"{len(sample)} passed" in done.stdout, done.stdout[-3000:]
    for words in ("Retry of the job", "gracefully", "notifications", "post-job script", "waits 10 minutes"):
        assert words in body, words
