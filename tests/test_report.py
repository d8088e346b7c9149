"""The conformance report end to end: real feature runs, their report.json/md/html, and hostile input.

Every real run is a child ``pytest features`` in the checkout, its report written to a temporary folder
(never into reports/); each module-scoped fixture runs one and every test of it shares that run.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from report_fixtures.hostile import TEXT, hostile_report
from report_fixtures.hostile_adapter import NAME as HOSTILE_NAME
from report_fixtures.hostile_adapter import SCRIPT
from report_fixtures.runs import (
    HOSTILE_ADAPTER,
    WRONG_ADAPTER,
    Run,
    collected_scenarios,
    junit_counts,
    run_features,
    run_shell,
)
from report_fixtures.wrong_adapter import NAME as WRONG_NAME

from retrykit.catalogue import load_catalogue
from retrykit.expectations import load_expectations
from retrykit.mutation import RECORD_COMMAND, load_strength
from retrykit.render_html import render_html
from retrykit.render_md import render_markdown
from retrykit.report import (
    Implementation,
    ReportError,
    build_report,
    load_report,
    report_json_text,
    rerun_command,
    write_atomically,
)
from retrykit.results import ScenarioResult, Verdict

CATALOGUE = load_catalogue()
SCENARIO_COUNT = collected_scenarios()
WARNING_RULE = "JR.WHEN.NOT-SUCCESS-WARNING"
WARNING_INTERPRETATION = "JR.JOB-FAILURE"
WARNING_SCENARIO = "features/test_features.py::test_a_session_that_ends_with_a_warning_is_not_retried"
FORMS = ("report.json", "report.md", "report.html")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, and the bidi overrides and isolates."""


# -- parsing the HTML (stdlib html.parser) ---------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None, cls: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                    yield child
                yield from child.iter(tag, cls)

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"{len(found)} elements with id {ident!r}"
        return found[0]

    def rows(self) -> list[list[str]]:
        """A table's rows as the stripped text of their cells (th and td alike)."""
        return [
            [
                " ".join(c.text().split())
                for c in row.children
                if isinstance(c, Node) and c.tag in ("th", "td")
            ]
            for row in self.iter("tr")
        ]


class _TreeBuilder(HTMLParser):
    VOID: ClassVar[frozenset[str]] = frozenset(
        {"meta", "br", "img", "hr", "input", "link", "area", "base", "col", "embed", "source", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag == self.current.tag and self.current.parent is not None:
            self.current = self.current.parent
        else:
            self.errors.append(f"</{tag}> closes <{self.current.tag}> at {self.getpos()}")

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.errors == [], builder.errors[:5]
    assert builder.current is builder.root, f"<{builder.current.tag}> never closed"
    return builder.root


# -- reading the Markdown ---------------------------------------------------------------------------------


def outside_fences(md: str) -> list[str]:
    """The lines of a CommonMark document that are not inside a backtick fenced code block."""
    lines, fence = [], ""
    for line in md.splitlines():
        if fence:
            if re.fullmatch(rf" {{0,3}}{fence}`* *", line):
                fence = ""
            continue
        opening = re.match(r" {0,3}(`{3,})[^`]*$", line)
        if opening:
            fence = opening.group(1)
            continue
        lines.append(line)
    return lines


def split_row(line: str) -> list[str]:
    """A GitHub-flavoured table row's cells: a pipe after a backslash is part of the cell."""
    cells = re.split(r"(?<!\\)\|", line.strip())
    assert cells[0] == "" and cells[-1] == "", f"not a table row: {line[:120]!r}"
    return [c.strip() for c in cells[1:-1]]


def md_tables(md: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    previous = False
    for line in outside_fences(md):
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(split_row(line))
        previous = row
    return tables


def md_section(md: str, heading: str) -> str:
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{heading.count('#')}}} |\Z)", md, re.M | re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


def md_table_after(md: str, heading: str) -> list[list[str]]:
    """The first table of a section, header row first, the |---| line dropped."""
    tables = md_tables(md_section(md, heading))
    assert tables, f"no table under {heading!r}"
    return [row for row in tables[0] if not all(re.fullmatch(r":?-+:?", c) for c in row)]


# -- the runs ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("reference")
    return run_features(
        folder / "report",
        "--junitxml", str(folder / "junit.xml"),
        "--cucumberjson", str(folder / "cucumber.json"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def wrong_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("wrong")
    return run_features(
        folder / "report",
        "--adapter", WRONG_ADAPTER,
        "--write-expectations", str(folder / "expectations.toml"),
        "--junitxml", str(folder / "junit.xml"),
        "--cucumberjson", str(folder / "cucumber.json"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def known_run(wrong_run: Run) -> Run:
    folder = wrong_run.report_dir.parent
    expectations = folder / "expectations.toml"
    return run_features(folder / "known", "--adapter", WRONG_ADAPTER, "--expectations", str(expectations))


@pytest.fixture(scope="module")
def unexpected_pass_run(wrong_run: Run) -> tuple[Run, str]:
    folder = wrong_run.report_dir.parent
    passing = next(s["nodeid"] for s in wrong_run.report["scenarios"] if s["verdict"] == "passed")
    edited = folder / "edited-expectations.toml"
    edited.write_text(
        (folder / "expectations.toml").read_text(encoding="utf-8")
        + f'\n[[known_failure]]\nscenario = "{passing}"\nreason = "thought broken"\nissue = "TRACK-1"\n',
        encoding="utf-8",
    )
    run = run_features(folder / "edited", "--adapter", WRONG_ADAPTER, "--expectations", str(edited))
    return run, passing


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_features(tmp_path_factory.mktemp("hostile") / "report", "--adapter", HOSTILE_ADAPTER)


def scenario_of(report: dict[str, Any], nodeid: str) -> dict[str, Any]:
    return next(s for s in report["scenarios"] if s["nodeid"] == nodeid)


def failure_section(html: Node, name: str) -> Node:
    sections = [s for s in html.iter("section", "failure") if name in next(s.iter("h3")).text()]
    assert len(sections) == 1, f"{len(sections)} failure sections for {name!r}"
    return sections[0]


# -- 1. a run against the reference -----------------------------------------------------------------------


def test_a_reference_run_writes_the_report_in_all_three_forms(reference_run: Run) -> None:
    assert reference_run.returncode == 0, reference_run.stdout[-2000:]
    for name in FORMS:
        assert (reference_run.report_dir / name).stat().st_size > 1000, name
    assert sorted(p.name for p in reference_run.report_dir.iterdir()) == sorted(FORMS), "stray files"
    assert f"report: {reference_run.report_dir / 'report.md'}" in reference_run.stdout


def test_the_reference_report_json_is_a_complete_schema_valid_report(reference_run: Run) -> None:
    report = load_report(reference_run.report_dir / "report.json")
    assert list(report)[-1] == "end_of_report"
    assert report["end_of_report"] == {"complete": True, "scenarios": SCENARIO_COUNT}
    assert len(report["scenarios"]) == SCENARIO_COUNT
    assert report["implementation"]["name"] == "reference"
    assert report["conforms"] == "yes" and report["accepted"] is True
    assert [r["id"] for r in report["rules"]] == [r.id for r in CATALOGUE.rules]


@pytest.mark.parametrize("which", ["reference_run", "wrong_run"])
def test_the_three_forms_agree_on_the_totals(request: pytest.FixtureRequest, which: str) -> None:
    run: Run = request.getfixturevalue(which)
    totals = run.report["totals"]
    md = md_table_after(run.markdown, "## Scenarios")
    html = parse_html(run.html).by_id("totals").rows()
    keys = ["total", "passed", "failed", "differs from interpretation", "error", "skipped", "not applicable"]
    expected = [str(totals[k]) for k in [*keys, "known_failures", "unexpected_passes"]]
    headers = ["scenario runs (each outline example counts)", *keys[1:]]
    assert md[0][: len(keys)] == headers and md[1] == expected
    assert html[0][: len(keys)] == headers and html[1] == expected
    assert totals["total"] == len(run.report["scenarios"]) == run.report["end_of_report"]["scenarios"]


@pytest.mark.parametrize("which", ["reference_run", "wrong_run"])
def test_every_rules_verdict_appears_in_both_traceability_tables(
    request: pytest.FixtureRequest, which: str
) -> None:
    run: Run = request.getfixturevalue(which)
    verdicts = [(r["id"], r["verdict"]) for r in run.report["rules"]]
    assert [rule for rule, _ in verdicts] == [r.id for r in CATALOGUE.rules]
    md = md_table_after(run.markdown, "## Traceability")
    html = parse_html(run.html).by_id("traceability").rows()
    for table in (md, html):
        assert table[0] == [
            "rule",
            "kind",
            "restatement",
            "source",
            "scenario runs (each outline example counts)",
            "mutants caught (of shipped)",
            "failed in scenario runs",
            "verdict",
        ]
        assert [(row[0], row[-1]) for row in table[1:]] == verdicts
    counts = [(r["id"], str(len(r["scenarios"]))) for r in run.report["rules"]]
    assert [(row[0], row[4]) for row in md[1:]] == [(row[0], row[4]) for row in html[1:]] == counts


def test_the_report_quotes_the_recorded_suite_strength(reference_run: Run) -> None:
    record = load_strength()
    assert record is not None
    assert reference_run.report["suite_strength"] == {
        "caught": record["caught"],
        "shipped": record["shipped"],
        "recorded_by": RECORD_COMMAND,
    }
    sentence = f"reject {record['caught']} of {record['shipped']} shipped wrong implementations"
    assert sentence in reference_run.markdown
    assert sentence in " ".join(parse_html(reference_run.html).by_id("suite-strength").text().split())
    md = {row[0]: row[5] for row in md_table_after(reference_run.markdown, "## Traceability")[1:]}
    for rule in reference_run.report["rules"]:
        score = record["rules"].get(rule["id"])
        assert md[rule["id"]] == (f"{score['caught']}/{score['shipped']}" if score else "-")


@pytest.mark.parametrize("which", ["reference_run", "wrong_run", "known_run"])
def test_the_report_agrees_with_pytests_own_tally(request: pytest.FixtureRequest, which: str) -> None:
    run: Run = request.getfixturevalue(which)
    pytest_says, totals = run.outcomes, run.report["totals"]
    expected = {"passed": 0, "xpassed": 0, "failed": 0, "xfailed": 0, "skipped": 0}
    for scenario in run.report["scenarios"]:
        verdict, known = scenario["verdict"], scenario["known_failure"] is not None
        if known:
            expected["xpassed" if verdict == "passed" else "xfailed"] += 1
        elif verdict == "differs from interpretation":
            expected["xfailed"] += 1  # shown, not counted, under the default --interpretations report
        elif verdict in ("passed", "not applicable"):
            expected["passed" if verdict == "passed" else "skipped"] += 1
        else:
            expected["failed"] += 1
    observed = {k: pytest_says[k] for k in expected} | {
        "failed": pytest_says["failed"] + pytest_says["error"]
    }
    assert observed == expected
    assert sum(pytest_says.values()) == totals["total"] == SCENARIO_COUNT


# -- 2. a deliberately wrong adapter ----------------------------------------------------------------------


def test_the_wrong_adapter_fails_the_run_on_the_rules_it_breaks(wrong_run: Run) -> None:
    assert wrong_run.returncode == 1, wrong_run.stdout[-2000:]
    report = load_report(wrong_run.report_dir / "report.json")
    assert report["implementation"]["name"] == WRONG_NAME
    assert report["conforms"] == "no" and report["accepted"] is False
    rules = {r["id"]: r["verdict"] for r in report["rules"]}
    assert rules[WARNING_RULE] == "failed"
    assert rules[WARNING_INTERPRETATION] == "differs from interpretation"
    html = {row[0]: row[-1] for row in parse_html(wrong_run.html).by_id("traceability").rows()[1:]}
    md = {row[0]: row[-1] for row in md_table_after(wrong_run.markdown, "## Traceability")[1:]}
    assert html[WARNING_RULE] == md[WARNING_RULE] == "failed"
    assert html[WARNING_INTERPRETATION] == md[WARNING_INTERPRETATION] == "differs from interpretation"
    row = parse_html(wrong_run.html).by_id(f"rule-{WARNING_RULE}")
    assert "v-failed" in next(row.iter("span")).classes


def test_the_failure_section_shows_expected_against_observed(wrong_run: Run) -> None:
    scenario = scenario_of(wrong_run.report, WARNING_SCENARIO)
    assert scenario["verdict"] == "failed"
    mismatch = scenario["claims"][0]
    assert mismatch == {
        "what": "attempts in session 1 (no retry)",
        "expected": "1",
        "observed": "2",
        "session": 1,
    }
    section = failure_section(parse_html(wrong_run.html), scenario["name"])
    assert "failed" in next(section.iter("h3")).text()
    table = next(section.iter("table", "findings")).rows()
    assert table[0] == ["rule", "where", "expected", "observed"]
    assert ["scenario step", mismatch["what"], "1", "2"] in table
    assert any(row[0] == WARNING_RULE for row in table[1:])
    md = md_section(wrong_run.markdown, f"### failed: {scenario['name']}")
    md_rows = md_tables(md)[0]
    assert md_rows[0] == ["rule", "where", "expected", "observed"]
    assert ["scenario step", mismatch["what"], "1", "2"] in md_rows


def test_the_failure_section_shows_the_observed_and_the_expected_timeline(wrong_run: Run) -> None:
    scenario = scenario_of(wrong_run.report, WARNING_SCENARIO)
    section = failure_section(parse_html(wrong_run.html), scenario["name"])
    grids = {next(g.iter("caption")).text(): g.rows() for g in section.iter("table", "grid")}
    assert set(grids) == {"Observed", "Expected (reference engine)"}
    observed, expected = grids["Observed"], grids["Expected (reference engine)"]
    assert observed[0] == ["VM", "S1.A1", "S1.A2"], "the wrong adapter's retry is visible"
    assert expected[0] == ["VM", "S1.A1"]
    vms = scenario["scenario"]["job"]["vms"]
    assert [row[0] for row in observed[1:]] == [row[0] for row in expected[1:]] == vms
    assert any(cell.startswith("⚠") for row in expected[1:] for cell in row[1:])
    md = md_section(wrong_run.markdown, f"### failed: {scenario['name']}")
    assert "Observed timeline" in md and "Expected timeline (the reference engine)" in md
    headers = [t[0] for t in md_tables(md)[1:]]
    assert headers == [["VM", "S1.A1", "S1.A2"], ["VM", "S1.A1"]]


def test_the_rerun_command_reruns_just_that_one_scenario(wrong_run: Run, tmp_path: Path) -> None:
    scenario = scenario_of(wrong_run.report, WARNING_SCENARIO)
    command = scenario["rerun"]
    section = failure_section(parse_html(wrong_run.html), scenario["name"])
    assert command in [" ".join(pre.text().split()) for pre in section.iter("pre")]
    assert f"```sh\n{command}\n```" in md_section(wrong_run.markdown, f"### failed: {scenario['name']}")
    junit = tmp_path / "junit.xml"
    rerun = run_shell(f"{command} --report-dir {tmp_path / 'report'} --junitxml {junit}", tmp_path / "report")
    assert rerun.returncode == 1, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert junit_counts(junit) == {"tests": 1, "failures": 1, "errors": 0, "skipped": 0, "testcases": 1}
    report = load_report(tmp_path / "report" / "report.json")
    assert [(s["nodeid"], s["verdict"]) for s in report["scenarios"]] == [(WARNING_SCENARIO, "failed")]
    assert report["implementation"]["name"] == WRONG_NAME


@pytest.mark.parametrize(
    "command",
    [
        'python "my adapters/adapter.py"',
        "node adapter.mjs --token '$HOME'",
        "python adapter.py --label 'a b'",
    ],
)
def test_the_rerun_command_keeps_an_adapter_command_that_needs_quoting(command: str) -> None:
    """--adapter is split like a shell would, so the re-run command must quote it for a shell.

    The command runs through /bin/sh with ``pytest`` defined as a function that prints its arguments.
    """
    rerun = rerun_command(WARNING_SCENARIO, Implementation("x", "1", "1.0", command))
    shell = subprocess.run(
        ["/bin/sh", "-c", 'pytest() { printf "%s\\0" "$@"; }; ' + rerun],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    assert shell.stdout.split("\0")[:-1] == [WARNING_SCENARIO, "--adapter", command], rerun


# -- 3. interrupted and partial reports; atomic writes ----------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.999, -2])
def test_load_report_refuses_a_truncated_file(reference_run: Run, tmp_path: Path, keep: float) -> None:
    text = (reference_run.report_dir / "report.json").read_bytes()
    cut = tmp_path / "report.json"
    cut.write_bytes(text[: int(len(text) * keep)] if keep > 0 else text[: int(keep)])
    with pytest.raises(ReportError, match="truncated"):
        load_report(cut)


def test_load_report_refuses_a_partial_report(reference_run: Run, tmp_path: Path) -> None:
    report = reference_run.report
    report["end_of_report"]["complete"] = False
    partial = tmp_path / "report.json"
    partial.write_text(report_json_text(report), encoding="utf-8")
    with pytest.raises(ReportError, match="interrupted; it is partial"):
        load_report(partial)
    assert load_report(partial, require_complete=False)["end_of_report"]["complete"] is False


def test_load_report_refuses_a_report_whose_marker_is_not_last(reference_run: Run, tmp_path: Path) -> None:
    report = reference_run.report
    moved = {"end_of_report": report.pop("end_of_report")} | report
    altered = tmp_path / "report.json"
    altered.write_text(report_json_text(moved), encoding="utf-8")
    with pytest.raises(ReportError, match="not the last entry"):
        load_report(altered)


def _one_result() -> ScenarioResult:
    return ScenarioResult(
        "features/x.py::test_x", "x.feature", "x", ("JR.COUNT.DEFAULT",), False, Verdict.PASSED
    )


@pytest.mark.parametrize("complete", [True, False])
def test_a_partial_report_says_so_in_markdown_and_html(complete: bool) -> None:
    report = build_report(
        [_one_result()],
        CATALOGUE,
        Implementation("impl", "1", "", ""),
        generated="2026-01-01",
        complete=complete,
    )
    md, html = render_markdown(report), parse_html(render_html(report))
    banners = [p for p in html.iter("p", "partial")]
    if complete:
        assert "Partial report" not in md and banners == []
    else:
        assert "> **Partial report**: the run was interrupted" in md
        assert len(banners) == 1 and banners[0].text().startswith("Partial report")
        assert report["conforms"] == "not established"


def test_a_run_stopped_early_writes_a_partial_report(tmp_path: Path) -> None:
    run = run_features(tmp_path / "report", "--adapter", WRONG_ADAPTER, "-x")
    assert run.returncode == 1
    with pytest.raises(ReportError, match="partial"):
        load_report(tmp_path / "report" / "report.json")
    report = load_report(tmp_path / "report" / "report.json", require_complete=False)
    assert report["end_of_report"]["complete"] is False
    assert 0 < report["end_of_report"]["scenarios"] == len(report["scenarios"]) < SCENARIO_COUNT
    assert "**Partial report**" in run.markdown
    assert next(p.text() for p in parse_html(run.html).iter("p", "partial")).startswith("Partial report")


def test_write_atomically_replaces_the_whole_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_atomically(target, "old content, and a long tail " * 1000)
    before = target.stat().st_ino
    with target.open(encoding="utf-8") as reader:
        write_atomically(target, "new")
        assert reader.read().startswith("old content"), "a reader of the old file sees the old file whole"
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_ino != before, "replaced by rename, not rewritten in place"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_write_atomically_leaves_the_old_file_when_the_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    write_atomically(target, "old")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_write_atomically_gives_a_new_file_the_permissions_a_plain_write_would(tmp_path: Path) -> None:
    """report.html is for publishing; mkstemp's private 0600 must not leak into it."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    atomic = tmp_path / "report.html"
    write_atomically(atomic, "x")
    assert stat.filemode(atomic.stat().st_mode) == stat.filemode(plain.stat().st_mode)


# -- 4. expectations: known failures ----------------------------------------------------------------------


JUDGED_WELL = ("passed", "not applicable")
"""Verdicts that are no failure: scenarios written for another alternative of a reading are not applicable."""


def test_write_expectations_lists_exactly_the_failing_scenarios(wrong_run: Run) -> None:
    path = wrong_run.report_dir.parent / "expectations.toml"
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["known_failure"]
    failing = [s["nodeid"] for s in wrong_run.report["scenarios"] if s["verdict"] not in JUDGED_WELL]
    assert [e["scenario"] for e in entries] == failing
    assert WARNING_SCENARIO in failing
    assert all(e["reason"] for e in entries)
    assert set(load_expectations(path)) == set(failing)


def test_known_failures_no_longer_fail_the_run_and_are_counted(known_run: Run, wrong_run: Run) -> None:
    assert known_run.returncode == 0, known_run.stdout[-2000:] + known_run.stderr[-2000:]
    failing = {s["nodeid"] for s in wrong_run.report["scenarios"] if s["verdict"] not in JUDGED_WELL}
    assert known_run.outcomes["xfailed"] == len(failing)
    report = load_report(known_run.report_dir / "report.json")
    assert report["totals"]["known_failures"] == len(failing)
    assert report["totals"]["unexpected_passes"] == 0
    for scenario in report["scenarios"]:
        assert (scenario["known_failure"] is not None) == (scenario["nodeid"] in failing)
    assert scenario_of(report, WARNING_SCENARIO)["verdict"] == "failed", "a known failure is still a failure"
    totals = md_table_after(known_run.markdown, "## Scenarios")
    assert dict(zip(totals[0], totals[1], strict=True))["known_failures"] == str(len(failing))
    html = parse_html(known_run.html).by_id("totals").rows()
    assert dict(zip(html[0], html[1], strict=True))["known failures"] == str(len(failing))


def test_a_known_failure_that_passes_is_reported_as_an_unexpected_pass(
    unexpected_pass_run: tuple[Run, str],
) -> None:
    run, passing = unexpected_pass_run
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.outcomes["xpassed"] == 1
    report = load_report(run.report_dir / "report.json")
    assert report["totals"]["unexpected_passes"] == 1
    scenario = scenario_of(report, passing)
    assert scenario["unexpected_pass"] is True and scenario["verdict"] == "passed"
    assert scenario["known_failure"] == {"reason": "thought broken", "issue": "TRACK-1"}
    section = md_section(run.markdown, "## Known failures that now pass")
    assert f"- {passing}" in section.splitlines()
    html = parse_html(run.html)
    heading = next(h for h in html.iter("h2") if h.text() == "Known failures that now pass")
    siblings = heading.parent.children if heading.parent else []
    listed = next(c for c in siblings[siblings.index(heading) :] if isinstance(c, Node) and c.tag == "ul")
    assert [li.text() for li in listed.iter("li")] == [passing]


@pytest.mark.parametrize(
    "content",
    [
        "this is [not toml\n",
        '[[known_failure]]\nscenario = "features/test_features.py::test_x"\n',
        'known_failure = "not a table"\n',
        None,
    ],
    ids=["not-toml", "no-reason", "not-an-array", "missing-file"],
)
def test_a_malformed_expectations_file_is_a_one_line_usage_error(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "expectations.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = run_features(tmp_path / "report", "--expectations", str(path))
    everything = run.stdout + run.stderr
    assert "Traceback" not in everything and "INTERNALERROR" not in everything, everything[-1500:]
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: --expectations: "), lines
    assert str(path) in lines[0]
    assert not (tmp_path / "report").exists()


# -- 5. hostile strings -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crafted() -> dict[str, Any]:
    return hostile_report()


@pytest.fixture(params=["crafted", "adapter"])
def hostile(request: pytest.FixtureRequest) -> tuple[dict[str, Any], str, str]:
    """(report, report.md, report.html): crafted results rendered directly, or a hostile adapter's run."""
    if request.param == "crafted":
        report = request.getfixturevalue("crafted")
        return report, render_markdown(report), render_html(report)
    run: Run = request.getfixturevalue("hostile_run")
    return run.report, run.markdown, run.html


def test_the_hostile_adapter_run_judged_every_scenario(hostile_run: Run) -> None:
    report = load_report(hostile_run.report_dir / "report.json")
    assert report["implementation"]["name"] == HOSTILE_NAME
    assert report["totals"]["error"] > 0 and report["totals"]["skipped"] > 0
    assert report["totals"]["total"] == SCENARIO_COUNT


def test_hostile_strings_stay_inert_text_in_the_html(hostile: tuple[dict[str, Any], str, str]) -> None:
    _, _, html = hostile
    lowered = html.lower()
    assert "<script" not in lowered
    assert re.search(r"<[^<>]*\bon[a-z]+\s*=", lowered) is None, "an event handler attribute in a tag"
    assert "<img" not in lowered and "<iframe" not in lowered
    assert CONTROL.search(html) is None, f"raw control character at {CONTROL.search(html)}"
    tree = parse_html(html)
    assert {n.tag for n in tree.iter()}.isdisjoint({"script", "img", "iframe", "object", "embed", "svg"})
    assert all(not name.startswith("on") for n in tree.iter() for name in n.attrs)
    assert all(not n.attrs.get("href", "#").lower().startswith("javascript") for n in tree.iter("a"))
    assert SCRIPT in next(tree.iter("h1")).text(), "the hostile name is shown as text, not dropped"


def test_hostile_strings_keep_the_markdown_tables_in_shape(hostile: tuple[dict[str, Any], str, str]) -> None:
    _, md, _ = hostile
    tables = md_tables(md)
    assert len(tables) >= 4
    for table in tables:
        widths = {len(row) for row in table}
        assert len(widths) == 1, f"rows of {sorted(widths)} cells in a table headed {table[0][:3]}"
    assert CONTROL.search(md) is None, f"raw control character at {CONTROL.search(md)}"


def test_hostile_strings_stay_out_of_markdown_markup(hostile: tuple[dict[str, Any], str, str]) -> None:
    """Outside code fences nothing an implementation wrote may become HTML; inside, it stays fenced."""
    _, md, _ = hostile
    markup = [line for line in outside_fences(md) if re.search(r"<\s*(script|img|iframe|svg)\b", line, re.I)]
    assert markup == [], f"{len(markup)} line(s) of live HTML, the first: {markup[0][:200]!r}"


def test_hostile_text_does_not_become_markdown_links_or_images(crafted: dict[str, Any]) -> None:
    """``cell`` promises no markup: a link or an image (a tracking pixel) is markup too."""
    lines = outside_fences(render_markdown(crafted))
    lines = [re.sub(r"\]\(#scenario-[\w-]+\)", "]", line) for line in lines]  # the kit's own anchors
    links = [line for line in lines if re.search(r"(?<!\\)!?\[[^\]]*(?<!\\)\]\(", line)]
    assert links == [], f"{len(links)} line(s) with a live link or image, the first: {links[0][:200]!r}"


def test_hostile_strings_round_trip_through_the_json(
    hostile: tuple[dict[str, Any], str, str], tmp_path: Path
) -> None:
    report, _, _ = hostile
    text = report_json_text(report)
    assert json.loads(text) == report
    write_atomically(tmp_path / "report.json", text)
    assert load_report(tmp_path / "report.json") == report


def test_the_crafted_report_carries_every_hostile_string_into_the_json(crafted: dict[str, Any]) -> None:
    decoded = json.loads(report_json_text(crafted))
    assert decoded["implementation"]["name"] == TEXT
    assert decoded["scenarios"][0]["claims"][0]["observed"] == TEXT
    assert len(TEXT) > 100_000 and "\x00" in TEXT and "\u202e" in TEXT


def test_the_terminal_summary_has_no_control_characters(hostile_run: Run) -> None:
    """The conformance summary echoes the implementation's name to the terminal: escape sequences too?"""
    start = hostile_run.stdout.index("job retry conformance")
    summary = hostile_run.stdout[start : hostile_run.stdout.index("report: ", start)]
    assert CONTROL.search(summary) is None, f"raw control character in {summary!r}"


# -- 7. pytest's own machine-readable outputs -------------------------------------------------------------


@pytest.mark.parametrize(("which", "failures", "differs"), [("reference_run", 0, 0), ("wrong_run", 6, 1)])
def test_junitxml_is_still_valid(
    request: pytest.FixtureRequest, which: str, failures: int, differs: int
) -> None:
    """A difference on an interpretation is an expected failure, which JUnit counts as skipped, as it does
    the scenarios that are not applicable."""
    run: Run = request.getfixturevalue(which)
    counts = junit_counts(run.report_dir.parent / "junit.xml")
    verdicts = [s["verdict"] for s in run.report["scenarios"]]
    not_applicable = verdicts.count("not applicable")
    assert counts == {
        "tests": SCENARIO_COUNT,
        "failures": failures,
        "errors": 0,
        "skipped": differs + not_applicable,
        "testcases": SCENARIO_COUNT,
    }
    assert differs == verdicts.count("differs from interpretation")
    assert failures == len(verdicts) - verdicts.count("passed") - differs - not_applicable


@pytest.mark.parametrize("which", ["reference_run", "wrong_run"])
def test_cucumberjson_is_still_a_list_of_features(request: pytest.FixtureRequest, which: str) -> None:
    run: Run = request.getfixturevalue(which)
    features = json.loads((run.report_dir.parent / "cucumber.json").read_text(encoding="utf-8"))
    assert isinstance(features, list) and features
    feature_files = sorted(p.name for p in (Path(__file__).parent.parent / "features").glob("*.feature"))
    assert sorted(Path(f["uri"]).name for f in features) == feature_files
    scenarios = [e for f in features for e in f["elements"]]
    assert len(scenarios) == SCENARIO_COUNT
    assert all(e["steps"] and all("result" in s for s in e["steps"]) for e in scenarios)
    failed = {e["name"] for e in scenarios if any(s["result"]["status"] == "failed" for s in e["steps"])}
    counted = ("passed", "differs from interpretation", "not applicable")  # as pytest shows them
    assert failed == {s["name"] for s in run.report["scenarios"] if s["verdict"] not in counted}


def test_a_failed_scenario_never_reads_as_conforming_even_without_a_rule_at_fault() -> None:
    """The verdict and the scenario table tell one story: a failed scenario whose rules were not filed
    (a result built by hand, as explore and exhaust build theirs) still makes the run "no"."""
    failed = ScenarioResult(
        nodeid="x::y", feature="f", name="n", rules=("JR.COUNT.DEFAULT",), interpretation=False,
        verdict=Verdict.FAILED, reason="r",
    )  # fmt: skip
    report = build_report(
        [failed], CATALOGUE, Implementation("impl", "1", "", ""), generated="2026-01-01", complete=True
    )
    assert report["conforms"] == "no" and report["accepted"] is False
    assert any("without a rule at fault" in reason for reason in report["reasons"])
