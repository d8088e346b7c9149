"""report.html in a real browser: headless Chromium through Playwright.

A failing run's report must load without a console or page error, show one traceability row per rule
and a visible timeline grid, and screenshot as a real page. A report full of hostile strings must not
run anything, even with the page's Content-Security-Policy switched off (so the escaping is what is
tested, not the CSP behind it).
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from checkout import ROOT
from report_fixtures.hostile import hostile_report
from report_fixtures.hostile_adapter import SCRIPT
from report_fixtures.one_scenario import GOOD, one_scenario_report
from report_fixtures.runs import WRONG_ADAPTER, Run, run_features
from test_merge import ONE_RETRY, TWO_RETRIES

from retrykit.catalogue import load_catalogue
from retrykit.cli import main
from retrykit.mutation import mutant_command
from retrykit.render_html import render_html
from retrykit.report import write_atomically
from retrykit.report_set import new_run_id, stamped, write_report_set

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_missing = [
    what
    for what, there in (
        (f"{CHROMIUM}", CHROMIUM.exists() or shutil.which("chromium") is not None),
        ("the playwright package", importlib.util.find_spec("playwright") is not None),
    )
    if not there
]
pytestmark = pytest.mark.skipif(
    bool(_missing), reason=f"browser tests need {' and '.join(_missing)} (CI installs both)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")), args=ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = run_features(tmp_path_factory.mktemp("wrong") / "report", "--adapter", WRONG_ADAPTER)
    assert run.returncode == 1, run.stdout[-2000:]
    return run


class Page:
    """A page opened in a fresh context, with everything it said on the console, its errors and dialogs."""

    def __init__(self, browser: Any, path: Path, *, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True)
        self.page = self.context.new_page()
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda message: self.console.append((message.type, message.text)))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def failing_page(browser: Any, failing_run: Run) -> Iterator[Page]:
    page = Page(browser, failing_run.report_dir / "report.html")
    yield page
    page.close()


def test_the_report_loads_without_console_or_page_errors(failing_page: Page) -> None:
    assert failing_page.errors == []
    assert [text for kind, text in failing_page.console if kind in ("error", "assert")] == []
    assert failing_page.page.title().startswith("Job retry conformance: wrong-warning-retried")


def test_the_traceability_table_has_a_row_per_catalogue_rule(failing_page: Page) -> None:
    rows = failing_page.page.locator("#traceability tr")
    assert rows.count() == len(load_catalogue().rules) + 1
    assert failing_page.page.locator("#traceability").is_visible()
    failed = failing_page.page.locator("#rule-JR\\.WHEN\\.NOT-SUCCESS-WARNING .verdict")
    assert failed.inner_text() == "failed"
    assert failed.evaluate("e => getComputedStyle(e).color") == "rgb(207, 34, 46)", "failed shows in red"


def test_a_failures_timeline_grids_are_visible(failing_page: Page) -> None:
    grids = failing_page.page.locator("section.failure").first.locator("table.grid")
    assert grids.count() == 2
    for index in range(2):
        grid = grids.nth(index)
        assert grid.is_visible()
        box = grid.bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 50
    assert grids.nth(0).locator("caption").inner_text() == "Observed"
    assert grids.nth(1).locator("caption").inner_text() == "Expected (reference engine)"


def test_a_full_page_screenshot_is_a_real_image(failing_page: Page, tmp_path: Path) -> None:
    path = tmp_path / "report.png"
    failing_page.page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 800 and height > 2000, "the full page, not just the viewport"


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "csp-bypassed"])
def test_a_hostile_report_runs_no_script(browser: Any, tmp_path: Path, bypass_csp: bool) -> None:
    path = tmp_path / "report.html"
    write_atomically(path, render_html(hostile_report()))
    page = Page(browser, path, bypass_csp=bypass_csp)
    try:
        page.page.wait_for_timeout(300)
        assert page.dialogs == []
        assert page.errors == []
        assert [text for kind, text in page.console if kind == "error"] == [], "blocked or failed loads"
        assert page.page.evaluate("() => window.__pwned") is None
        assert page.page.evaluate("() => document.scripts.length") == 0
        assert page.page.evaluate("() => document.images.length") == 0
        handlers = page.page.evaluate(
            "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
            ".map(a => a.name).filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        assert SCRIPT in page.page.locator("h1").inner_text(), "shown as text"
    finally:
        page.close()


VIEWPORT = {"width": 1400, "height": 900}
ARTIFACTS = ROOT / "reports" / "test-artifacts"
"""Where screenshots are kept for a person to look at after the run (git-ignored, as all of reports/)."""


def _at(browser: Any, path: Path) -> Any:
    """``path`` opened in a 1400 x 900 window, as a reviewer's laptop shows it."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    return context, page


@pytest.fixture(scope="module")
def mutant_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The default-count-2 mutant: every failed scenario has one root cause."""
    adapter = shlex.join(mutant_command("default-count-2"))
    run = run_features(tmp_path_factory.mktemp("mutant") / "report", "--adapter", adapter)
    assert run.returncode == 1, run.stdout[-2000:]
    return run


def test_the_verdict_and_the_failure_summary_are_on_the_first_screen(browser: Any, mutant_run: Run) -> None:
    context, page = _at(browser, mutant_run.report_dir / "report.html")
    try:
        for selector in (".headline", "#failure-summary"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["height"] > 0, selector
            assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (
                f"{selector} below the fold"
            )
        assert "Conforms to the page: no" in page.locator(".headline").inner_text()
        assert "JR.COUNT.DEFAULT" in page.locator("#failure-summary").inner_text()
        targets = page.eval_on_selector_all(
            "#failure-summary a[href^='#']", "links => links.map(a => a.getAttribute('href').slice(1))"
        )
        failed = sum(s["verdict"] == "failed" for s in mutant_run.report["scenarios"])
        assert len(targets) == failed + 2, "each failed scenario, the representative and its rule"
        missing = page.evaluate("ids => ids.filter(id => !document.getElementById(id))", targets)
        assert missing == []
        page.locator("#failure-summary a.summary-link").first.click()
        assert page.evaluate("() => location.hash") == f"#{targets[1]}"
        section = page.locator(f"section.failure#{targets[1]}")
        box = section.bounding_box()
        assert box is not None and abs(box["y"]) < 1, "the link scrolls its block to the top"
    finally:
        context.close()


def _eight_reports(folder: Path) -> list[str]:
    """Eight implementations with long names, some conforming, some not (with their reasons), each
    report a whole set in a folder of its own."""
    paths = []
    for k in range(8):
        trace = (GOOD, TWO_RETRIES, ONE_RETRY)[k % 3]
        name = f"vendor-scheduler-implementation-number-{k + 1}"
        report = stamped(one_scenario_report(name, trace, file_prefix=f"v{k}-"), new_run_id())
        write_report_set(folder / name, report)
        paths.append(str(folder / name / "report.json"))
    return paths


def test_a_matrix_of_eight_implementations_fits_a_1400_pixel_window(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "matrix"
    assert main(["merge", *_eight_reports(tmp_path), "--out", str(out)]) == 0
    context, page = _at(browser, out / "matrix.html")
    try:
        assert page.locator("#matrix tr").first.locator("th").count() == 2 + 8 + 1
        assert page.locator("#implementations tr").count() == 1 + 8
        width = page.evaluate("() => document.documentElement.scrollWidth")
        shot = tmp_path / "matrix-8.png"
        page.screenshot(path=str(shot), full_page=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        kept = ARTIFACTS / shot.name
        shutil.copyfile(shot, kept)
        print(f"screenshot of the 8-implementation matrix: {kept}")
        assert width <= VIEWPORT["width"], f"the page scrolls sideways: {width} px wide"
        links = page.eval_on_selector_all("#implementations a", "links => links.map(a => a.href)")
        assert len(links) == 8
        assert all(Path(link.removeprefix("file://")).is_file() for link in links)
    finally:
        context.close()
