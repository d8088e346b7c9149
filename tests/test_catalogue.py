"""The catalogue, the feature files and the oracles must agree with each other and with the page."""

from __future__ import annotations

import re

import pytest
from checkout import ROOT
from report_fixtures.runs import collected_scenarios

from retrykit.catalogue import CatalogueError, RuleKind, load_catalogue, parse_catalogue
from retrykit.inventory import read_features
from retrykit.page import load_page, normalise
from retrykit.related_pages import load_related

PAGE = ROOT.parent / "shared" / "spec" / "job-retry.md"
RELATED = ROOT.parent / "shared" / "spec" / "related-pages.md"
CATALOGUE = load_catalogue()
SCENARIOS = read_features()


def test_every_checkable_rule_has_a_scenario() -> None:
    covered = {rule_id for s in SCENARIOS for rule_id in s.rule_ids}
    missing = [r.id for r in CATALOGUE.rules if r.kind.checkable and r.id not in covered]
    assert missing == []


def test_every_rule_tag_names_a_catalogue_rule() -> None:
    unknown = {(s.feature_file, s.name, t) for s in SCENARIOS for t in s.rule_ids if t not in CATALOGUE}
    assert unknown == set()


def test_every_scenario_cites_a_rule() -> None:
    assert [s.name for s in SCENARIOS if not s.rule_ids] == []


def test_interpretation_tag_matches_the_rules_cited() -> None:
    """A reader must see on the scenario itself when its expectations rest on the kit's reading."""
    for s in SCENARIOS:
        cites_interpretation = any(CATALOGUE[r].kind is RuleKind.INTERPRETATION for r in s.rule_ids)
        assert s.interpretation == cites_interpretation, s.name


def test_advisory_rules_are_not_claimed_by_scenarios() -> None:
    advisory = {r.id for r in CATALOGUE.rules if r.kind is RuleKind.ADVISORY}
    assert advisory and not advisory & {r for s in SCENARIOS for r in s.rule_ids}


def test_every_rule_id_the_oracles_name_is_in_the_catalogue() -> None:
    source = (ROOT / "retrykit" / "oracles.py").read_text(encoding="utf-8")
    named = set(re.findall(r'"(JR\.[A-Z.-]+)"', source))
    assert named and named <= CATALOGUE.ids


def test_interpretations_and_advisories_say_why() -> None:
    for rule in CATALOGUE.rules:
        if rule.kind in (RuleKind.INTERPRETATION, RuleKind.ADVISORY):
            assert len(rule.reason) > 40, rule.id


@pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")
def test_fingerprints_and_anchors_match_the_page() -> None:
    paragraphs = {(p.section, p.number): p for p in load_page(PAGE)}
    for rule in CATALOGUE.page_rules:
        paragraph = paragraphs[(rule.section, rule.paragraph)]
        assert paragraph.fingerprint == rule.fingerprint, rule.id
        assert max(rule.sentences) <= len(paragraph.sentences), rule.id


@pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")
def test_statements_are_our_own_words() -> None:
    """No restatement may copy a run of eight words from the vendor's page."""
    page_words = " ".join(p.text.lower() for p in load_page(PAGE)).split()
    runs = {" ".join(page_words[i : i + 8]) for i in range(len(page_words) - 7)}
    for rule in CATALOGUE.page_rules:
        words = rule.statement.lower().split()
        copied = [
            " ".join(words[i : i + 8]) for i in range(len(words) - 7) if " ".join(words[i : i + 8]) in runs
        ]
        assert copied == [], rule.id


@pytest.mark.skipif(not PAGE.is_file(), reason="the shared spec page is not beside this checkout")
def test_every_paragraph_of_the_page_is_cited() -> None:
    cited = {(r.section, r.paragraph) for r in CATALOGUE.page_rules}
    assert {(p.section, p.number) for p in load_page(PAGE)} <= cited


@pytest.mark.skipif(not RELATED.is_file(), reason="the shared related pages are not beside this checkout")
def test_rules_from_related_pages_match_the_copy_of_their_pages() -> None:
    """Each cites a quoted paragraph of its page by title, number and fingerprint, and quotes its words."""
    pages = load_related(RELATED)
    assert CATALOGUE.related_rules
    for rule in CATALOGUE.related_rules:
        page = pages[rule.source_url]
        assert page.title == rule.section, rule.id
        paragraph = page.paragraphs[rule.paragraph - 1]
        assert paragraph.fingerprint == rule.fingerprint, rule.id
        assert max(rule.sentences) <= len(paragraph.sentences), rule.id
        assert normalise(rule.quote) in normalise(paragraph.text), rule.id


@pytest.mark.skipif(not RELATED.is_file(), reason="the shared related pages are not beside this checkout")
def test_every_quoted_paragraph_of_a_cited_related_page_is_cited() -> None:
    """So that spec-check against the copy has no new paragraph to report."""
    pages = load_related(RELATED)
    cited = {(r.source_url, r.paragraph) for r in CATALOGUE.related_rules}
    for url in {url for url, _ in cited}:
        assert {(url, p.number) for p in pages[url]} <= cited, url


@pytest.mark.skipif(not RELATED.is_file(), reason="the shared related pages are not beside this checkout")
def test_statements_of_related_rules_are_our_own_words() -> None:
    """No restatement may copy a run of eight words from the related pages."""
    page_words = normalise(RELATED.read_text(encoding="utf-8")).split()
    runs = {" ".join(page_words[i : i + 8]) for i in range(len(page_words) - 7)}
    for rule in CATALOGUE.related_rules:
        words = normalise(rule.statement).split()
        assert not {" ".join(words[i : i + 8]) for i in range(len(words) - 7)} & runs, rule.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nid = "X"\n', "missing field"),
        (
            '[[rule]]\nid="X"\nkind="nonsense"\nstatement="s"\nsection="S"\nparagraph=1\nsentences=[1]\nfingerprint="f"\n',
            "kind must be one of",
        ),
        (
            '[[rule]]\nid="X"\nkind="interpretation"\nstatement="s"\nsection="S"\nparagraph=1\nsentences=[1]\nfingerprint="f"\n',
            "must say why",
        ),
        ("not = [toml", "not valid TOML"),
    ],
)
def test_malformed_catalogues_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)


def test_duplicate_ids_are_refused() -> None:
    entry = (
        '[[rule]]\nid="X"\nkind="normative"\nstatement="s"\nsection="S"\n'
        'paragraph=1\nsentences=[1]\nfingerprint="f"\n'
    )
    with pytest.raises(CatalogueError, match="repeated: X"):
        parse_catalogue(entry * 2)


def test_feature_files_parse_with_the_official_gherkin_parser() -> None:
    from gherkin.parser import Parser

    files = sorted((ROOT / "features").glob("*.feature"))
    assert len(files) >= 5
    for path in files:
        document = Parser().parse(path.read_text(encoding="utf-8"))
        assert document["feature"]["name"], path


def test_worked_examples_are_scenarios() -> None:
    for rule_id in ("JR.EXAMPLE.PER-MACHINE", "JR.EXAMPLE.SINGLE-FILE"):
        assert any(rule_id in s.rule_ids for s in SCENARIOS)


def test_the_inventory_counts_runs_as_pytest_collects_them() -> None:
    assert sum(s.runs for s in SCENARIOS) == collected_scenarios()
    assert any(s.runs > 1 for s in SCENARIOS)
