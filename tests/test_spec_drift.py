"""`retry-kit spec-check`: what a new edition of the vendor page changes for the kit.

Editions are built here from the shared page at run time; the repository keeps none of its text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.drift import DriftReport, MatchedBy, RuleState, compare
from retrykit.page import PageFormatError, fingerprint, normalise, read_page

PAGE = ROOT.parent / "shared" / "spec" / "job-retry.md"
needs_page = pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")

JR, PM, SF = "Job Retry", "Job Retry for Per-Machine Backups", "Job Retry for Single-File Backups"
INSERTED = "Single-file retries now wait ten minutes before they start."


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _blocks(text: str, fragment: str) -> tuple[list[str], int]:
    blocks = text.split("\n\n")
    [index] = [i for i, block in enumerate(blocks) if fragment in block]
    return blocks, index


def _without(text: str, fragment: str) -> str:
    """The page without the one paragraph holding ``fragment``."""
    blocks, index = _blocks(text, fragment)
    del blocks[index]
    return "\n\n".join(blocks)


def _with_before(text: str, fragment: str, paragraph: str) -> str:
    """The page with ``paragraph`` inserted above the one holding ``fragment``."""
    blocks, index = _blocks(text, fragment)
    blocks.insert(index, paragraph)
    return "\n\n".join(blocks)


def _report(markdown: str, old: str | None = None) -> DriftReport:
    return compare(load_catalogue(), read_page(markdown), read_page(old) if old else None)


def _states(report: DriftReport) -> dict[str, RuleState]:
    return {d.cited.anchor: d.state for d in report.paragraphs}


def _rules_citing(section: str, number: int) -> set[str]:
    return {r.id for r in load_catalogue().rules if (r.section, r.paragraph) == (section, number)}


def _three_edits(text: str) -> str:
    """One edited sentence (first paragraph), one paragraph deleted (per-machine, second), one inserted
    (single-file, first)."""
    edited = text.replace("retries a failed job 3 times", "retries a failed job 5 times")
    edited = _without(edited, "creates new backup files and writes data")
    return _with_before(edited, "creates one backup file for all VMs", INSERTED)


@needs_page
def test_the_current_page_is_clean() -> None:
    report = _report(_page())
    assert report.clean
    assert report.new_paragraphs == ()
    assert all(d.now_at == d.cited.anchor for d in report.paragraphs)


@needs_page
@pytest.mark.parametrize("with_old", [False, True], ids=["no-old", "old"])
def test_three_edits_at_once_are_exactly_three_changes(with_old: bool) -> None:
    report = _report(_three_edits(_page()), _page() if with_old else None)
    touched = {anchor: state for anchor, state in _states(report).items() if state is not RuleState.UNCHANGED}
    assert touched == {f"{JR} ¶1": RuleState.CHANGED, f"{PM} ¶2": RuleState.VANISHED}
    assert [p.text for p in report.new_paragraphs] == [INSERTED]
    assert {r.rule.id for r in report.rules if r.state is RuleState.CHANGED} == _rules_citing(JR, 1)
    assert {r.rule.id for r in report.rules if r.state is RuleState.VANISHED} == _rules_citing(PM, 2)
    # Paragraphs below the deletion and the insertion only shifted: unchanged, with their new numbers.
    renumbered = {d.cited.anchor: d.now_at for d in report.paragraphs if d.renumbered}
    assert renumbered == {
        **{f"{PM} ¶{n}": f"{PM} ¶{n - 1}" for n in (3, 4, 5)},
        **{f"{SF} ¶{n}": f"{SF} ¶{n + 1}" for n in (1, 2, 3, 4, 5)},
    }
    [changed] = [d for d in report.paragraphs if d.state is RuleState.CHANGED]
    assert changed.matched_by is (MatchedBy.TEXT if with_old else MatchedBy.POSITION)


@needs_page
def test_cli_reports_the_three_edits_and_only_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edition = tmp_path / "newer.md"
    edition.write_text(_three_edits(_page()), encoding="utf-8")
    assert main(["spec-check", "--old", str(PAGE), str(edition)]) == 1
    out = capsys.readouterr().out
    review = out.split("New paragraphs")[0]
    assert f"changed: {JR} ¶1" in review and f"vanished: {PM} ¶2" in review
    assert "[-3-]{+5+}" in review
    assert review.count("changed: ") + review.count("vanished: ") + review.count("moved: ") == 2
    shifted = _rules_citing(PM, 3) | _rules_citing(SF, 1)
    assert not any(rule in review for rule in shifted)
    assert f"new: {SF} ¶1" in out and INSERTED in out

    assert main(["spec-check", "--json", str(edition)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] is False
    assert {p["cited"]: p["state"] for p in data["paragraphs"] if p["state"] != "unchanged"} == {
        f"{JR} ¶1": "changed",
        f"{PM} ¶2": "vanished",
    }
    assert [p["text"] for p in data["new_paragraphs"]] == [INSERTED]


@needs_page
def test_with_the_old_edition_an_edit_beside_an_insertion_is_matched_by_its_words() -> None:
    text = _page()
    edited = text.replace("does not perform the retry if", "never performs the retry if")
    edited = _with_before(edited, "never performs the retry if", "Retries wait ten minutes between attempts.")
    report = _report(edited, text)
    [changed] = [d for d in report.paragraphs if d.state is not RuleState.UNCHANGED]
    assert (changed.cited.anchor, changed.now_at) == (f"{JR} ¶2", f"{JR} ¶3")
    assert [p.anchor for p in report.new_paragraphs] == [f"{JR} ¶2"]


@needs_page
def test_an_edited_sentence_marks_the_rules_of_its_paragraph_changed() -> None:
    report = _report(_page().replace("retries a failed job 3 times", "retries a failed job 5 times"))
    changed = {r.rule.id for r in report.rules if r.state is RuleState.CHANGED}
    assert changed == _rules_citing(JR, 1)
    assert report.new_paragraphs == ()


@needs_page
def test_a_paragraph_inserted_above_renumbers_without_asking_for_review() -> None:
    """Decision: a paragraph whose number shifted because of an insertion above it is unchanged, not
    moved; its rules' text is identical, so the report gives the new anchor but asks for no review."""
    edited = _with_before(
        _page(), "launches a retry for a job only if", "Retries wait ten minutes between attempts."
    )
    report = _report(edited)
    [shifted] = [d for d in report.paragraphs if d.cited.anchor == f"{JR} ¶2"]
    assert (shifted.state, shifted.now_at, shifted.renumbered) == (RuleState.UNCHANGED, f"{JR} ¶3", True)
    assert report.to_review == ()
    assert [p.text for p in report.new_paragraphs] == ["Retries wait ten minutes between attempts."]


@needs_page
def test_a_paragraph_taken_to_another_section_is_moved() -> None:
    text = _page()
    blocks, index = _blocks(text, "differs depending on the")
    paragraph = blocks.pop(index)
    edited = _with_before("\n\n".join(blocks), "creates one backup file for all VMs", paragraph)
    states = _states(_report(edited))
    assert states[f"{JR} ¶3"] is RuleState.MOVED
    assert {a for a, s in states.items() if s is not RuleState.UNCHANGED} == {f"{JR} ¶3"}


@needs_page
def test_a_removed_section_makes_its_rules_vanish() -> None:
    text = _page()
    states = _states(_report(text[: text.index(SF)]))
    assert {a for a, s in states.items() if s is RuleState.VANISHED} == {f"{SF} ¶{n}" for n in range(1, 6)}
    assert states[f"{PM} ¶2"] is RuleState.UNCHANGED


CHROME_ABOVE = (
    "Skip to main content\n\nVeeam Help Center\n\n"
    "[User Guide for Microsoft Hyper-V](index.html) > [Backup](backup.html) > Backup Jobs > Job Retry\n\n"
)
CHROME_UNDER_TITLE = "In this article\n\n* [Per-machine](#pm)\n* [Single-file](#sf)\n"
CHROME_BELOW = (
    "\n## Related Topics\n\n* [Retrying Jobs](retrying_jobs_hv.md)\n* [Backup Chain Formats](x.md)\n\n"
    "Was this page helpful?\n\nThank you for your feedback!\n\nSend feedback\n\n"
    "Page updated 6/17/2025\n\nPage content applies to build 13.0.1.1071\n\n© 2025 Veeam Software\n"
)


def _with_chrome(text: str) -> str:
    """The page as a saved help-center page reads: navigation above, furniture under the title and below."""
    front_matter_end = text.index("# ")
    title_end = text.index("\n", front_matter_end) + 1
    return (
        text[:front_matter_end]
        + CHROME_ABOVE
        + text[front_matter_end:title_end]
        + "\n"
        + CHROME_UNDER_TITLE
        + text[title_end:]
        + CHROME_BELOW
    )


@needs_page
def test_help_center_furniture_leaves_nothing_to_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edition = tmp_path / "saved.md"
    edition.write_text(_with_chrome(_page()), encoding="utf-8")
    assert main(["spec-check", str(edition)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(
        "Nothing to review: every cited paragraph is unchanged and every paragraph is cited."
    )
    assert main(["spec-check", "--old", str(edition), str(PAGE)]) == 0


def test_furniture_lines_are_not_paragraphs() -> None:
    page = read_page(
        "# Title\n\n" + CHROME_UNDER_TITLE + "\nThe one paragraph.\n\n![Picture](p.png)\n" + CHROME_BELOW
    )
    assert [p.text for p in page] == ["The one paragraph."]
    assert page.title == "Title"


def test_a_sentence_like_a_breadcrumb_stays() -> None:
    page = read_page("# Title\n\nSelect Home > Jobs > Backup.\n\nSee the [list](a.md) of jobs.\n")
    assert [p.text for p in page] == ["Select Home > Jobs > Backup.", "See the [list](a.md) of jobs."]


def test_fingerprints_ignore_spacing_case_and_link_targets() -> None:
    assert fingerprint("The [chain](a.md)  format.") == fingerprint("the chain\nformat.")
    assert fingerprint("3 times") != fingerprint("5 times")
    assert normalise("[![Chart](c.png)](c.png) and [[x]] stay") == "chart and [[x]] stay"


@needs_page
@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_the_exit_status_agrees_with_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], json_output: bool
) -> None:
    flag = ["--json"] if json_output else []
    newer = tmp_path / "newer.md"
    newer.write_text(_page() + "\nA brand-new behaviour paragraph.\n", encoding="utf-8")
    for path, status in ((PAGE, 0), (newer, 1)):
        assert main(["spec-check", *flag, str(path)]) == status
        out = capsys.readouterr().out
        clean = json.loads(out)["clean"] if json_output else "Nothing to review" in out
        assert clean is (status == 0)
        assert ("A brand-new behaviour paragraph." in out) is (status == 1)


@needs_page
def test_cli_json_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec-check", "--json", str(PAGE)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] is True
    assert len(data["rules"]) == len(load_catalogue().page_rules)
    assert {p["state"] for p in data["paragraphs"]} == {"unchanged"}


@needs_page
def test_a_retitled_edition_is_still_the_page(tmp_path: Path) -> None:
    edition = tmp_path / "retitled.md"
    edition.write_text(_page().replace("# Job Retry", "# Automatic Job Retry", 1), encoding="utf-8")
    assert main(["spec-check", str(edition)]) == 1


OTHER_DOCUMENT = "# Release notes\n\nThe kit now reads newer editions.\n\nIt also writes JSON.\n"
BAD_INPUTS: dict[str, Callable[[Path], None]] = {
    "missing": lambda path: None,
    "directory": lambda path: path.mkdir(),
    "empty": lambda path: path.write_bytes(b""),
    "blank": lambda path: path.write_bytes(b"\n  \n"),
    "not-utf8": lambda path: path.write_bytes(b"\xff\xfe\x00binary"),
    "nul-bytes": lambda path: path.write_bytes(b"# Job Retry\n\n\x00\x00\x00"),
    "no-title": lambda path: path.write_bytes(b"no title at all"),
    "open-front-matter": lambda path: path.write_bytes(b"---\ntitle: x\n# Job Retry\n"),
    "other-markdown": lambda path: path.write_text(OTHER_DOCUMENT, encoding="utf-8"),
    "readme": lambda path: path.write_text(
        (ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8"
    ),
}


@needs_page
@pytest.mark.parametrize("make", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("as_old", [False, True], ids=["page", "old"])
def test_bad_input_is_one_clear_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], None], as_old: bool
) -> None:
    path = tmp_path / "page.md"
    make(path)
    argv = ["spec-check", "--old", str(path), str(PAGE)] if as_old else ["spec-check", str(path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"retry-kit spec-check: {path}") and captured.err.count("\n") == 1


def test_another_document_is_refused_with_its_title() -> None:
    with pytest.raises(PageFormatError, match="its title is 'Release notes' and it holds 0 of the"):
        compare(load_catalogue(), read_page(OTHER_DOCUMENT))


def test_text_above_the_title_is_skipped_as_site_navigation() -> None:
    page = read_page("Some navigation\n\n# Title\n\nMore.")
    assert (page.title, [p.text for p in page]) == ("Title", ["More."])


@needs_page
@pytest.mark.parametrize("flag", ["--json", "--catalogue=features/catalogue.toml"], ids=["json", "text"])
def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path, flag: str) -> None:
    big = tmp_path / "big.md"
    extra = "".join(f"\nExtra paragraph {n} about nothing in particular.\n" for n in range(3000))
    big.write_text(_page() + extra, encoding="utf-8")  # far more output than a pipe holds
    command = f"'{sys.executable}' -m retrykit.cli spec-check {flag} '{big}' | head -c 10"
    # Buffered, as in a terminal: unbuffered output loses the rest of a short write without an error.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert len(result.stdout) == 10
    assert result.stderr == ""


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "open-brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "open-images": lambda n: "![" * (n // 3) + "]" * (n // 3),
    "open-targets": lambda n: "[x](" * (n // 4),
    "nested-links": lambda n: "[" + "[a](b)" * (n // 6),
    "whitespace": lambda n: "a\n" + " \t" * (n // 2) + "b",
    "crumb-separators": lambda n: "a > " * (n // 4),
    "short-paragraphs": lambda n: "A short paragraph.\n\n" * (n // 20),
}


def _seconds(size: int, make: Callable[[int], str]) -> float:
    """Best of three: reading a page of ``size`` characters and comparing it with the catalogue."""
    text = "# Job Retry\n\n" + make(size)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        compare(load_catalogue(), read_page(text))
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("make", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_reading_is_linear_in_the_page_size(make: Callable[[int], str]) -> None:
    small, large = _seconds(50_000, make), _seconds(500_000, make)
    assert large < 5.0
    assert large / small < 20, f"50 KB: {small:.3f} s, 500 KB: {large:.3f} s"
