"""`retry-kit spec-check --related`: the catalogue's rules from Veeam's related pages against a copy of
those pages. Editions are built here from the shared copy at run time; the repository keeps none of its
text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.drift import RuleState
from retrykit.page import PageFormatError
from retrykit.related_drift import compare_related
from retrykit.related_pages import read_related

RELATED = ROOT.parent / "shared" / "spec" / "related-pages.md"
pytestmark = pytest.mark.skipif(
    not RELATED.is_file(), reason="the shared related pages are not beside this checkout"
)

NOTIFY = "https://helpcenter.veeam.com/docs/vbr/userguide/backup_job_advanced_notify_hv.html"
SCHEDULE = "https://helpcenter.veeam.com/docs/vbr/userguide/backup_job_schedule_hv.html"


def _copy() -> str:
    return RELATED.read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "related-pages.md"
    path.write_text(text, encoding="utf-8")
    return path


def _states(text: str) -> dict[str, RuleState]:
    reports = compare_related(load_catalogue(), read_related(text), "copy")
    return {drift.rule.id: drift.state for report in reports for drift in report.rules}


def test_the_copy_reads_as_pages_by_address_with_their_titles() -> None:
    pages = read_related(_copy())
    assert pages[SCHEDULE].title == "Step 11. Define Job Schedule"
    assert len(pages[SCHEDULE].paragraphs) == 2
    assert pages[NOTIFY].paragraphs[0].text.startswith("Select the Suppress notifications")


def test_the_shared_copy_leaves_nothing_to_review(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec-check", "--related", str(RELATED)]) == 0
    out = capsys.readouterr().out
    cited = {r.source_url for r in load_catalogue().related_rules}
    assert out.count("Nothing to review") == len(cited)


def test_an_edited_quote_puts_its_rules_up_for_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = _copy().replace("one notification per every job retry", "one notification per job session")
    assert _states(edited)["JR.NOTIFY.EVERY-RETRY"] is RuleState.CHANGED
    assert _states(edited)["JR.WAIT.BETWEEN"] is RuleState.UNCHANGED
    assert main(["spec-check", "--related", str(_write(tmp_path, edited))]) == 1
    assert "JR.NOTIFY.SUPPRESSED, JR.NOTIFY.EVERY-RETRY, JR.NOTIFY.INITIAL-RUN" in capsys.readouterr().out


def test_a_page_the_copy_no_longer_quotes_leaves_its_rules_vanished() -> None:
    without = "\n".join(line for line in _copy().splitlines() if "backup_job_advanced_script_hv" not in line)
    assert _states(without)["JR.AFTER-JOB.SCRIPT"] is RuleState.VANISHED


def test_a_new_quoted_paragraph_of_a_cited_page_is_reported(tmp_path: Path) -> None:
    added = _copy().replace(
        "> If you select continuous schedule",
        "> Retries now wait twice as long.\n>\n> If you select continuous schedule",
    )
    path = _write(tmp_path, added)
    assert main(["spec-check", "--related", str(path), "--json"]) == 1


def test_json_holds_the_page_and_every_related_page(capsys: pytest.CaptureFixture[str]) -> None:
    page = ROOT.parent / "shared" / "spec" / "job-retry.md"
    assert main(["spec-check", str(page), "--related", str(RELATED), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] and data["page"]["clean"]
    assert {r["id"] for report in data["related"] for r in report["rules"]} == {
        r.id for r in load_catalogue().related_rules
    }


def test_a_copy_that_quotes_no_page_is_refused() -> None:
    with pytest.raises(PageFormatError, match="quotes no page"):
        read_related("# Notes\n\n> a quote without a source\n")


def test_spec_check_without_a_page_or_a_copy_is_a_usage_error() -> None:
    assert main(["spec-check"]) == 2
