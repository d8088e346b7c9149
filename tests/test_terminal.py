"""What a person reads after a failing run: a compact block per failed scenario, a rerun command that works
from any folder without touching the full report, and JUnit XML a CI dashboard can group by rule.

One module-scoped run of the suite against the default-count-2 mutant (every failed scenario has one root
cause), as a user would type it in the checkout.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from checkout import ROOT
from report_fixtures.runs import environment

from retrykit.catalogue import load_catalogue
from retrykit.oracles import Violation
from retrykit.results import ScenarioResult, Verdict
from retrykit.steps.terminal import compact
from retrykit.verdicts import FailedClaim

MUTANT = "python adapters/mutants.py default-count-2"
RULE = "JR.COUNT.DEFAULT"
MAX_LINES = 15
KINDS = {rule.id: rule.kind.value for rule in load_catalogue().rules}


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    report_dir: Path

    @property
    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text(encoding="utf-8"))


def pytest_run(cwd: Path, *args: str) -> Done:
    """A child pytest with the checkout's virtualenv on PATH (as a user who activated it)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Done(done.returncode, done.stdout + done.stderr, Path())


def features_run(folder: Path, *args: str) -> Done:
    done = pytest_run(ROOT, "features", "--adapter", MUTANT, "--report-dir", str(folder), *args)
    return Done(done.returncode, done.stdout, folder)


@pytest.fixture(scope="module")
def mutant_run(tmp_path_factory: pytest.TempPathFactory) -> Done:
    folder = tmp_path_factory.mktemp("mutant")
    return features_run(folder, "--junitxml", str(folder / "junit.xml"))


def failure_blocks(stdout: str) -> dict[str, list[str]]:
    """pytest's FAILURES section, one entry per failed test: its header's name and the lines under it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ FAILURES =+", line))
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines[start + 1 :]:
        if re.fullmatch(r"[=-]+ .* [=-]+", line):
            break
        header = re.fullmatch(r"_+ (\S.*\S) _+", line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        else:
            current.append(line)
    return blocks


def test_each_failed_scenario_is_one_compact_block(mutant_run: Done) -> None:
    assert mutant_run.returncode == 1, mutant_run.stdout[-3000:]
    failed = [s for s in mutant_run.report["scenarios"] if s["verdict"] == "failed"]
    blocks = failure_blocks(mutant_run.stdout)
    assert len(blocks) == len(failed) > 1
    for (name, block), scenario in zip(blocks.items(), failed, strict=True):
        assert scenario["nodeid"].endswith(f"::{name}")
        assert len(block) + 1 <= MAX_LINES, "\n".join(block)
        assert block[0] == f"failed: {scenario['name']}"
        assert re.fullmatch(r"  at features/\w+\.feature:\d+", block[1]), block[1]
        assert f"{RULE} (normative)" in block[2] and f"[{RULE}]" in "\n".join(block)
        assert block[-1] == f"  rerun: {scenario['rerun']}"
    shown = "\n".join("\n".join(block) for block in blocks.values())
    for internal in ("_pytest/", "pluggy/", "Traceback", "ScenarioFindings", "def pytest_bdd_after_step"):
        assert internal not in shown


def test_the_feature_line_is_the_scenarios_own(mutant_run: Done) -> None:
    for block in failure_blocks(mutant_run.stdout).values():
        path, line = block[1].removeprefix("  at ").split(":")
        title = block[0].removeprefix("failed: ")
        text = (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert text.strip().split(":", 1)[1].strip() == title


def test_long_tracebacks_when_asked(tmp_path: Path) -> None:
    scenario = "features/test_features.py::test_three_retries_in_the_first_session_do_not_add_sessions"
    done = pytest_run(ROOT, scenario, "--adapter", MUTANT, "--report-dir", str(tmp_path), "--tb=long")
    assert done.returncode == 1 and "ScenarioFindings" in done.stdout, done.stdout[-3000:]


def test_the_rerun_command_works_from_any_folder_and_keeps_the_full_report(
    mutant_run: Done, tmp_path: Path
) -> None:
    full = mutant_run.report_dir / "report.json"
    before = full.read_bytes()
    scenario = next(s for s in mutant_run.report["scenarios"] if s["verdict"] == "failed")
    command = scenario["rerun"]
    assert str(ROOT / "features") in command and str(ROOT / "adapters" / "mutants.py") in command
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 failed" in done.stdout
    assert full.read_bytes() == before, "the full report was replaced"
    folders = list((mutant_run.report_dir / "rerun").iterdir())
    assert len(folders) == 1
    rerun = json.loads((folders[0] / "report.json").read_text(encoding="utf-8"))
    assert [(s["nodeid"], s["verdict"]) for s in rerun["scenarios"]] == [(scenario["nodeid"], "failed")]
    assert rerun["scenarios"][0]["rerun"] == command, "a re-run's own re-run writes to the same folder"


def junit_cases(path: Path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("testcase"))


def properties(case: ET.Element) -> list[tuple[str, str]]:
    return [(p.get("name", ""), p.get("value", "")) for p in case.iter("property")]


def check_junit(path: Path, report: dict) -> None:
    cases = junit_cases(path)
    assert len(cases) == len(report["scenarios"])
    features = {
        f.name: next(line for line in f.read_text().splitlines() if line.startswith("Feature:"))
        for f in (ROOT / "features").glob("*.feature")
    }
    by_name = {case.get("name"): case for case in cases}
    for scenario in report["scenarios"]:
        params = scenario["nodeid"].partition("[")[2]
        case = by_name[scenario["name"] + (f" [{params}" if params else "")]
        assert f"Feature: {case.get('classname')}" == features[scenario["feature"]]
        props = properties(case)
        assert [v for k, v in props if k == "rule"] == scenario["rules"]
        assert [v for k, v in props if k == "rule_kind"] == [KINDS[r] for r in scenario["rules"]]
        assert [v for k, v in props if k == "rule_at_fault"] == scenario["findings"]
        assert ("verdict", scenario["verdict"]) in props
        assert (case.find("failure") is not None) == (scenario["verdict"] == "failed")


def test_junit_names_the_scenarios_and_carries_their_rules(mutant_run: Done) -> None:
    check_junit(mutant_run.report_dir / "junit.xml", mutant_run.report)


def test_junit_under_xdist(tmp_path: Path) -> None:
    done = features_run(tmp_path, "-n", "2", "--junitxml", str(tmp_path / "junit.xml"))
    assert done.returncode == 1, done.stdout[-3000:]
    check_junit(tmp_path / "junit.xml", done.report)


def test_a_block_escapes_terminal_controls_and_stays_short() -> None:
    violations = tuple(
        Violation(RULE, f"session {n}", "\x1b[31mred\x1b[0m", "x" * 1000, n) for n in range(1, 9)
    )
    claims = tuple(FailedClaim(f"claim {n}", "a", "b", n) for n in range(1, 9))
    result = ScenarioResult(
        "f::t", "f.feature", "evil \x1b]0;title\x07 name", (RULE,), False, Verdict.FAILED,
        violations=violations, claims=claims, findings=(RULE,),
    )  # fmt: skip
    text = compact(result, location="features/f.feature:3", kinds=KINDS, rerun="pytest f::t")
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    assert len(text.splitlines()) <= MAX_LINES
    assert "4 more rule check(s)" in text and "5 more expectation(s)" in text


def test_the_report_opens_with_the_failure_summary_and_its_links_resolve(mutant_run: Done) -> None:
    from retrykit.report import load_report

    report = load_report(mutant_run.report_dir / "report.json")
    [group] = report["failure_summary"]
    failed = sum(s["verdict"] == "failed" for s in report["scenarios"])
    assert (group["rule"], group["kind"], group["count"]) == (RULE, "normative", failed)
    assert failed > 1
    assert group["representative"]["expected"] and group["representative"]["observed"]
    markdown = (mutant_run.report_dir / "report.md").read_text(encoding="utf-8")
    html = (mutant_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert markdown.index("## Failure summary") < markdown.index("## Traceability")
    assert html.index('id="failure-summary"') < html.index('id="traceability"')
    assert "…" not in markdown
    md_targets = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    html_targets = set(re.findall(r'href="#(scenario-[\w-]+)"', html))
    assert md_targets == html_targets == set(group["scenarios"])
    for anchor in md_targets:
        assert f'<a id="{anchor}"></a>' in markdown and f'id="{anchor}"' in html
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {RULE} "))
    assert row.count("](#scenario-") == failed
