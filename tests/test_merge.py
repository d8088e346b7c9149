"""`retry-kit merge`: several reports as one matrix, with possible ambiguities of the page flagged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from report_fixtures.one_scenario import SCENARIO, one_scenario_report

from retrykit.cli import main
from retrykit.merge import build_matrix
from retrykit.reference import engine
from retrykit.reference.model import Trace
from retrykit.render_md import render_matrix_markdown
from retrykit.report import report_json_text
from retrykit.results import Verdict


def _report(name: str, trace: Trace, *, complete: bool = True) -> dict:
    return one_scenario_report(name, trace, complete=complete)


def _short(trace: Trace, attempts: int) -> Trace:
    first = trace.sessions[0]
    return replace(trace, sessions=(replace(first, attempts=first.attempts[:attempts]),))


def _own_file_ids(trace: Trace) -> Trace:
    """The same behaviour with the file names another implementation would choose."""
    return replace(trace, files=tuple(replace(f, id=f"other-{f.id}") for f in trace.files))


GOOD = engine.run(SCENARIO)
TWO_RETRIES = _short(GOOD, 3)
TWO_RETRIES_ELSEWHERE = _own_file_ids(TWO_RETRIES)
"""Another implementation with the same reading: only its file ids differ, so it is no copy."""
ONE_RETRY = _short(GOOD, 2)


def _flags(matrix: dict) -> dict[str, list]:
    return {r["id"]: r["ambiguity"] for r in matrix["rules"] if r["ambiguity"]}


def test_two_implementations_that_agree_against_the_reference_are_flagged() -> None:
    matrix = build_matrix(
        [_report("ref", GOOD), _report("a", TWO_RETRIES), _report("b", TWO_RETRIES_ELSEWHERE)]
    )
    flags = _flags(matrix)
    assert list(flags) == ["JR.COUNT.DEFAULT"]
    assert flags["JR.COUNT.DEFAULT"][0]["implementations"] == ["a 1.0", "b 1.0"]
    row = next(r for r in matrix["rules"] if r["id"] == "JR.COUNT.DEFAULT")
    assert row["verdicts"] == ["passed", "failed", "failed"]


def test_one_implementation_alone_is_not_an_ambiguity() -> None:
    assert _flags(build_matrix([_report("ref", GOOD), _report("a", TWO_RETRIES)])) == {}


def test_implementations_wrong_in_different_ways_are_not_flagged() -> None:
    assert _flags(build_matrix([_report("a", TWO_RETRIES), _report("b", ONE_RETRY)])) == {}


def test_the_same_implementation_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="same implementation"):
        build_matrix([_report("a", GOOD), _report("a", GOOD)])


def test_cli_writes_markdown_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for name, trace in (("ref", GOOD), ("a", TWO_RETRIES), ("b<script>", TWO_RETRIES_ELSEWHERE)):
        path = tmp_path / f"{len(paths)}.json"
        path.write_text(report_json_text(_report(name, trace)), encoding="utf-8")
        paths.append(str(path))
    assert main(["merge", *paths, "--out", str(tmp_path / "out")]) == 0
    markdown = (tmp_path / "out" / "matrix.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "matrix.html").read_text(encoding="utf-8")
    assert "possible ambiguity" in markdown and "possible ambiguity" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "1 rule(s) flagged" in capsys.readouterr().out


def test_cli_refuses_a_truncated_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = report_json_text(_report("a", GOOD))
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    assert main(["merge", str(path)]) == 2
    assert "truncated" in capsys.readouterr().err


def test_cli_refuses_a_report_without_its_end_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report("a", GOOD)
    del report["end_of_report"]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert main(["merge", str(path)]) == 2
    assert "end_of_report" in capsys.readouterr().err


def test_verdicts_of_the_built_reports() -> None:
    assert _report("a", TWO_RETRIES)["scenarios"][0]["verdict"] == Verdict.FAILED.value
    assert _report("a", GOOD)["scenarios"][0]["verdict"] == Verdict.PASSED.value


def test_the_matrix_says_which_reports_come_from_an_interrupted_run() -> None:
    matrix = build_matrix([_report("whole", GOOD), _report("cut", GOOD, complete=False)])
    lines = render_matrix_markdown(matrix).splitlines()
    assert "| complete " in next(line for line in lines if line.startswith("| I1 ") and "whole 1.0" in line)
    assert "| partial (the run was interrupted) " in next(
        line for line in lines if line.startswith("| I2 ") and "cut 1.0" in line
    )


def test_each_implementation_has_its_counts_its_reasons_and_a_link_to_its_report() -> None:
    reports = [_report("ref", GOOD), _report("a", TWO_RETRIES)]
    matrix = build_matrix(reports, ["../ref", "../a (copy)"])
    ref, wrong = matrix["implementations"]
    assert (ref["key"], wrong["key"]) == ("I1", "I2")
    assert wrong["counts"] == {
        "scenario runs": 1,
        "passed": 0,
        "failed": 1,
        "differs from interpretation": 0,
        "error": 0,
        "skipped": 0,
        "not applicable": 0,
    }
    assert wrong["conforms"] == "no" and wrong["reasons"] == reports[1]["reasons"]
    assert any("JR.COUNT.DEFAULT" in reason for reason in wrong["reasons"])
    assert wrong["report_html"] == "../a%20%28copy%29/report.html"
    markdown = render_matrix_markdown(matrix)
    row = next(line for line in markdown.splitlines() if line.startswith("| I2 "))
    assert "](../a%20%28copy%29/report.md)" in row and wrong["reasons"][0] in row
    assert "| I1 " in markdown and "| rule " in markdown


def test_the_rule_columns_are_headed_by_keys_with_a_legend() -> None:
    matrix = build_matrix([_report("ref", GOOD), _report("a", TWO_RETRIES)])
    row = next(r for r in matrix["rules"] if r["id"] == "JR.COUNT.DEFAULT")
    assert row["cells"] == ["pass", "FAIL"]
    markdown = render_matrix_markdown(matrix)
    header = next(line for line in markdown.splitlines() if line.startswith("| rule "))
    assert [c.strip() for c in header.split("|")[3:5]] == ["I1", "I2"]
    assert "FAIL = failed" in markdown


def test_the_cli_links_each_report_from_where_the_matrix_is(tmp_path: Path) -> None:
    paths = []
    for name, trace in (("ref", GOOD), ("a", TWO_RETRIES)):
        path = tmp_path / "reports" / name / "report.json"
        path.parent.mkdir(parents=True)
        path.write_text(report_json_text(_report(name, trace)), encoding="utf-8")
        paths.append(str(path))
    out = tmp_path / "reports" / "matrix"
    assert main(["merge", *paths, "--out", str(out)]) == 0
    html = (out / "matrix.html").read_text(encoding="utf-8")
    assert '<a href="../ref/report.html">' in html and '<a href="../a/report.html">' in html
