"""`retry-kit spec-check`: what a new edition of the vendor page changes for the kit."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.drift import RuleState, compare
from retrykit.page import fingerprint, normalise, read_page
from retrykit.paths import ROOT

PAGE = ROOT.parent / "shared" / "spec" / "job-retry.md"
needs_page = pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")


def _states(markdown: str) -> dict[str, RuleState]:
    report = compare(load_catalogue(), read_page(markdown))
    return {d.rule.id: d.state for d in report.rules}


@needs_page
def test_the_current_page_is_clean() -> None:
    report = compare(load_catalogue(), read_page(PAGE.read_text(encoding="utf-8")))
    assert report.clean
    assert report.uncited == ()


@needs_page
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


@needs_page
def test_a_paragraph_inserted_above_moves_rules_without_calling_them_changed() -> None:
    text = PAGE.read_text(encoding="utf-8")
    marker = "Veeam Backup & Replication launches a retry"
    edited = text.replace(marker, "Retries wait ten minutes between attempts.\n\n" + marker, 1)
    states = _states(edited)
    assert states["JR.WHEN.FAILED-UNPROCESSED"] is RuleState.MOVED
    assert states["JR.COUNT.DEFAULT"] is RuleState.UNCHANGED
    report = compare(load_catalogue(), read_page(edited))
    assert [p.text for p in report.uncited] == ["Retries wait ten minutes between attempts."]


@needs_page
def test_a_removed_section_makes_its_rules_vanish() -> None:
    text = PAGE.read_text(encoding="utf-8")
    cut = text[: text.index("Job Retry for Single-File Backups")]
    states = _states(cut)
    assert states["JR.SF.RETRY-SAME-FILE"] is RuleState.VANISHED
    assert states["JR.PM.RETRY-NEW-FILES"] is RuleState.UNCHANGED


def test_fingerprints_ignore_spacing_case_and_link_targets() -> None:
    assert fingerprint("The [chain](a.md)  format.") == fingerprint("the chain\nformat.")
    assert fingerprint("3 times") != fingerprint("5 times")
    assert normalise("[![Chart](c.png)](c.png) and [[x]] stay") == "chart and [[x]] stay"


def test_text_above_the_title_is_skipped_as_site_navigation() -> None:
    page = read_page("Some navigation\n\n# Title\n\nMore.")
    assert (page.title, [p.text for p in page]) == ("Title", ["More."])


@needs_page
def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec-check", str(PAGE)]) == 0
    edited = tmp_path / "newer.md"
    edited.write_text(
        PAGE.read_text(encoding="utf-8") + "\nA brand-new behaviour paragraph.\n", encoding="utf-8"
    )
    assert main(["spec-check", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "A brand-new behaviour paragraph." in out


@needs_page
def test_cli_json_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["spec-check", "--json", str(PAGE)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] is True
    assert len(data["rules"]) == len(load_catalogue().rules)


@pytest.mark.parametrize(
    "content",
    [None, b"", b"\n  \n", b"\xff\xfe\x00binary", b"# Job Retry\n\n\x00", b"no title at all", "dir"],
)
def test_cli_bad_input_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str | None
) -> None:
    path = tmp_path / "page.md"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    assert main(["spec-check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retry-kit spec-check: ") and err.count("\n") == 1


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
    edition.write_text(_with_chrome(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["spec-check", str(edition)]) == 0
    assert "Every rule's source paragraph is unchanged" in capsys.readouterr().out


def test_furniture_lines_are_not_paragraphs() -> None:
    page = read_page(
        "# Title\n\n" + CHROME_UNDER_TITLE + "\nThe one paragraph.\n\n![Picture](p.png)\n" + CHROME_BELOW
    )
    assert [p.text for p in page] == ["The one paragraph."]
    assert page.title == "Title"


def test_a_sentence_like_a_breadcrumb_stays() -> None:
    page = read_page("# Title\n\nSelect Home > Jobs > Backup.\n\nSee the [list](a.md) of jobs.\n")
    assert [p.text for p in page] == ["Select Home > Jobs > Backup.", "See the [list](a.md) of jobs."]


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
