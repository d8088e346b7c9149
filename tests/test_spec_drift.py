"""`retry-kit spec-check`: what a new edition of the vendor page changes for the kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.drift import RuleState, compare
from retrykit.page import PageFormatError, fingerprint, read_page
from retrykit.paths import ROOT

PAGE = ROOT.parent / "shared" / "spec" / "job-retry.md"
pytestmark = pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")


def _states(markdown: str) -> dict[str, RuleState]:
    report = compare(load_catalogue(), read_page(markdown))
    return {d.rule.id: d.state for d in report.rules}


def test_the_current_page_is_clean() -> None:
    report = compare(load_catalogue(), read_page(PAGE.read_text(encoding="utf-8")))
    assert report.clean
    assert report.uncited == ()


def test_an_edited_sentence_marks_the_rules_of_its_paragraph_changed() -> None:
    edited = PAGE.read_text(encoding="utf-8").replace(
        "retries a failed job 3 times", "retries a failed job 5 times"
    )
    states = _states(edited)
    changed = {rule for rule, state in states.items() if state is RuleState.CHANGED}
    assert changed == {
        "JR.RETRY.AUTOMATIC",
        "JR.COUNT.DEFAULT",
        "JR.SESSION.SAME",
        "JR.COUNT.CUSTOM",
        "JR.COUNT.ZERO",
    }


def test_a_paragraph_inserted_above_moves_rules_without_calling_them_changed() -> None:
    text = PAGE.read_text(encoding="utf-8")
    marker = "Veeam Backup & Replication launches a retry"
    edited = text.replace(marker, "Retries wait ten minutes between attempts.\n\n" + marker, 1)
    states = _states(edited)
    assert states["JR.WHEN.FAILED-UNPROCESSED"] is RuleState.MOVED
    assert states["JR.COUNT.DEFAULT"] is RuleState.UNCHANGED
    report = compare(load_catalogue(), read_page(edited))
    assert [p.text for p in report.uncited] == ["Retries wait ten minutes between attempts."]


def test_a_removed_section_makes_its_rules_vanish() -> None:
    text = PAGE.read_text(encoding="utf-8")
    cut = text[: text.index("Job Retry for Single-File Backups")]
    states = _states(cut)
    assert states["JR.SF.RETRY-SAME-FILE"] is RuleState.VANISHED
    assert states["JR.PM.RETRY-NEW-FILES"] is RuleState.UNCHANGED


def test_fingerprints_ignore_spacing_case_and_link_targets() -> None:
    assert fingerprint("The [chain](a.md)  format.") == fingerprint("the chain\nformat.")
    assert fingerprint("3 times") != fingerprint("5 times")


def test_text_before_the_title_is_refused() -> None:
    with pytest.raises(PageFormatError, match="before its first"):
        read_page("Some text\n\n# Title\n\nMore.")


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec-check", str(PAGE)]) == 0
    edited = tmp_path / "newer.md"
    edited.write_text(
        PAGE.read_text(encoding="utf-8") + "\nA brand-new behaviour paragraph.\n", encoding="utf-8"
    )
    assert main(["spec-check", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "A brand-new behaviour paragraph." in out


def test_cli_json_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["spec-check", "--json", str(PAGE)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] is True
    assert len(data["rules"]) == len(load_catalogue().rules)


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00binary", b"no title at all"])
def test_cli_bad_input_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "page.md"
    if content is not None:
        path.write_bytes(content)
    assert main(["spec-check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retry-kit spec-check: ") and err.count("\n") == 1
