"""A failed scenario's detail block: its Gherkin steps with the failing one marked, its feature file and
line, and why the failure is filed under each rule; traceability rows link to those blocks.

One run of the suite against the default-count-2 mutant (its default is 2 retries, not 3), as a user
runs it; and crafted results for the two ways the grading files a failure under a rule.
"""

from __future__ import annotations

import re
import shlex

import pytest
from checkout import ROOT
from report_fixtures.runs import Run, run_features

from retrykit.catalogue import load_catalogue
from retrykit.filing import filings
from retrykit.mutation import mutant_command
from retrykit.oracles import Violation
from retrykit.results import ScenarioResult, Verdict
from retrykit.verdicts import FailedClaim

RULE = "JR.COUNT.DEFAULT"
NEVER_SUCCEEDS = "A VM that never succeeds runs four times: the initial run and three retries"


@pytest.fixture(scope="module")
def mutant(tmp_path_factory: pytest.TempPathFactory) -> Run:
    adapter = shlex.join(mutant_command("default-count-2"))
    run = run_features(tmp_path_factory.mktemp("mutant") / "report", "--adapter", adapter)
    assert run.returncode == 1, run.stdout[-2000:]
    return run


def _scenario(run: Run, name: str) -> dict:
    return next(s for s in run.report["scenarios"] if s["name"] == name)


def test_the_failing_step_is_marked_and_no_other(mutant: Run) -> None:
    scenario = _scenario(mutant, NEVER_SUCCEEDS)
    failed = [s for s in scenario["steps"] if s["outcome"] == "failed"]
    assert [(s["text"], s["notes"]) for s in failed] == [
        ("session 1 has 4 attempts", ["attempts in session 1"]),
        ('"VM 1" runs 4 times in session 1', ["runs of VM 1 in session 1"]),
    ]
    assert all(s["outcome"] == "passed" for s in scenario["steps"] if s not in failed)
    path, _, line = scenario["location"].partition(":")
    text = (ROOT / path).read_text(encoding="utf-8").splitlines()
    assert text[int(line) - 1].strip() == f"Scenario: {NEVER_SUCCEEDS}"
    for step in scenario["steps"]:
        assert text[step["line"] - 1].strip() == f"{step['keyword']} {step['text']}"


def test_a_failure_found_only_by_the_rule_checks_marks_the_when_step(mutant: Run) -> None:
    scenario = _scenario(
        mutant, "A VM that failed a whole session is backed up by the next one, as a full backup"
    )
    assert scenario["claims"] == [] and scenario["violations"]
    failed = [s for s in scenario["steps"] if s["outcome"] == "failed"]
    assert [(s["keyword"], s["text"]) for s in failed] == [("When", "the job's sessions run")]
    assert RULE in failed[0]["notes"][0]


def test_every_finding_has_a_sentence_saying_why(mutant: Run) -> None:
    for scenario in mutant.report["scenarios"]:
        assert [f["rule"] for f in scenario["filed_under"]] == scenario["findings"]
    why = _scenario(mutant, NEVER_SUCCEEDS)["filed_under"][0]["why"]
    assert why.startswith(f"Filed under {RULE} (normative) because its rule check found the trace at fault")
    assert "session 1" in why and "'attempts in session 1'" in why


def test_the_markdown_and_html_blocks_show_steps_location_and_why(mutant: Run) -> None:
    scenario = _scenario(mutant, NEVER_SUCCEEDS)
    block = mutant.markdown.split(f'<a id="{scenario["anchor"]}"></a>')[1].split('<a id="')[0]
    assert f"- Feature: {scenario['location']}" in block
    assert re.search(r"^✘ +\d+  Then session 1 has 4 attempts$", block, re.MULTILINE)
    assert "^ failed: attempts in session 1" in block
    assert f"  - Filed under {RULE} (normative) because" in block
    html = mutant.html.split(f'id="{scenario["anchor"]}"')[1].split('<section class="failure"')[0]
    assert f'<code class="location">{scenario["location"]}</code>' in html
    assert '<tr class="step-failed">' in html and "failed: attempts in session 1" in html
    assert f"Filed under {RULE} (normative) because" in html


def test_traceability_rows_link_to_the_failed_scenarios(mutant: Run) -> None:
    report = mutant.report
    anchors = {s["anchor"] for s in report["scenarios"] if s["verdict"] == "failed"}
    row = next(r for r in report["rules"] if r["id"] == RULE)
    assert set(row["failed_in"]) == anchors and len(anchors) > 1
    line = next(x for x in mutant.markdown.splitlines() if x.startswith(f"| {RULE} "))
    assert set(re.findall(r"\]\(#([\w-]+)\)", line)) == anchors
    assert all(f'<a id="{a}"></a>' in mutant.markdown for a in anchors)


def _result(
    claims: tuple[FailedClaim, ...], violations: tuple[Violation, ...], rules: tuple[str, ...]
) -> ScenarioResult:
    findings = tuple(dict.fromkeys([v.rule for v in violations] + [r for r in rules if "EXAMPLE" in r]))
    return ScenarioResult(
        "n", "f", "s", rules, False, Verdict.FAILED, claims=claims, violations=violations, findings=findings
    )


def test_filed_under_a_rule_whose_check_found_it_in_session_2() -> None:
    violation = Violation(RULE, "session 2, after attempt 3", "a retry of VM 1", "no further attempt", 2)
    claim = FailedClaim("attempts in session 2", "4", "3", 2)
    (filing,) = filings(_result((claim,), (violation,), (RULE,)), load_catalogue())
    assert filing.why == (
        f"Filed under {RULE} (normative) because its rule check found the trace at fault in session 2, "
        "after attempt 3: expected a retry of VM 1; observed no further attempt; the step expectation(s) "
        f"'attempts in session 2' failed, and the rule checks found {RULE} broken in the same session."
    )


def test_filed_under_a_worked_example_because_the_page_spells_its_result_out() -> None:
    example = "JR.EXAMPLE.SINGLE-FILE.RESULT"
    claim = FailedClaim("backup files of the chain", "two files", "one file")
    (filing,) = filings(_result((claim,), (), (example,)), load_catalogue())
    assert filing.rule == example
    assert "reproduces the page's worked example" in filing.why
    assert "'backup files of the chain'" in filing.why
