"""Compare the catalogue with a copy of the vendor page: what a new edition changed for the kit.

The catalogue cites paragraphs by anchor and fingerprint only, so paragraphs are matched by content,
in four passes, each over what the passes before it left unmatched:

1. in order: the cited fingerprints, in page order, aligned with the new page's (a diff of the two
   sequences). A paragraph found this way kept its text and its place among the others; if only its
   number differs, paragraphs were inserted or removed above it. It is *unchanged*: its rules need no
   review, and the report gives its new anchor for the catalogue.
2. moved: the same text elsewhere, under another section or out of order. Its rules need review, since
   the text now stands in another context.
3. by text, when the old edition is given (``--old``): the cited paragraph's old text is compared with
   each remaining paragraph, word by word; the best match with at least ``SIMILAR`` of its words in
   common, in the same section if one qualifies, is the paragraph's new wording: *changed*.
4. by position, without the old text: a remaining paragraph of the same section between the same
   in-order neighbours is taken as the changed one.

What is left of the cited paragraphs *vanished*; what is left of the page is *new*.

A file whose title is not the catalogue's page title and which holds fewer than half the cited
paragraphs (by fingerprint, or by words with the old edition) is plainly another document, and refused.
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from retrykit.catalogue import Catalogue, Rule
from retrykit.page import Page, PageFormatError, Paragraph, normalise

SIMILAR = 0.6
"""Share of words two paragraphs have in common, in order, for one to be an edit of the other: the
cutoff of difflib's own close matches. An edited sentence in a paragraph of four keeps it well above;
a paragraph rewritten from scratch falls below and is reported as vanished beside a new one."""


class RuleState(StrEnum):
    UNCHANGED = "unchanged"
    MOVED = "moved"
    CHANGED = "changed"
    VANISHED = "vanished"


class MatchedBy(StrEnum):
    FINGERPRINT = "fingerprint"
    TEXT = "text"
    POSITION = "position"


class NotThePageError(PageFormatError):
    """The file is plainly another document: wrong title and most cited paragraphs missing."""


@dataclass(frozen=True)
class Citation:
    """One paragraph of the edition the catalogue was written from, with the rules that cite it."""

    section: str
    number: int
    fingerprint: str
    rules: tuple[Rule, ...]

    @property
    def anchor(self) -> str:
        return f"{self.section} ¶{self.number}"


@dataclass(frozen=True)
class ParagraphDrift:
    cited: Citation
    state: RuleState
    matched_by: MatchedBy | None = None
    now: Paragraph | None = None
    old: Paragraph | None = None

    @property
    def now_at(self) -> str:
        return self.now.anchor if self.now else ""

    @property
    def renumbered(self) -> bool:
        return self.state is RuleState.UNCHANGED and self.now_at != self.cited.anchor


@dataclass(frozen=True)
class RuleDrift:
    rule: Rule
    state: RuleState
    now_at: str = ""


@dataclass(frozen=True)
class DriftReport:
    source: str
    old_source: str
    paragraphs: tuple[ParagraphDrift, ...]
    new_paragraphs: tuple[Paragraph, ...]

    @property
    def rules(self) -> tuple[RuleDrift, ...]:
        return tuple(RuleDrift(r, p.state, p.now_at) for p in self.paragraphs for r in p.cited.rules)

    @property
    def to_review(self) -> tuple[ParagraphDrift, ...]:
        return tuple(p for p in self.paragraphs if p.state is not RuleState.UNCHANGED)

    @property
    def clean(self) -> bool:
        return not self.to_review and not self.new_paragraphs


def citations(catalogue: Catalogue) -> tuple[Citation, ...]:
    """The cited paragraphs of the catalogue's page in page order: sections as the catalogue first names
    them, then by number. Rules from other pages are checked against those (retrykit.related_drift)."""
    rules = [rule for rule in catalogue.rules if rule.source_url in ("", catalogue.source_url)]
    grouped: dict[tuple[str, int, str], list[Rule]] = {}
    for rule in rules:
        grouped.setdefault((rule.section, rule.paragraph, rule.fingerprint), []).append(rule)
    sections = list(dict.fromkeys(rule.section for rule in rules))
    keys = sorted(grouped, key=lambda k: (sections.index(k[0]), k[1]))
    return tuple(Citation(s, n, f, tuple(grouped[(s, n, f)])) for s, n, f in keys)


def _shown(text: str) -> str:
    """Page text made safe for a terminal: control characters, which it would act on, written as escapes."""
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _words(paragraph: Paragraph) -> list[str]:
    return normalise(paragraph.text).split()


def _old_texts(cited: tuple[Citation, ...], old: Page) -> dict[int, Paragraph]:
    """Each cited paragraph's text in the old edition, found by fingerprint (at its own anchor if twice)."""
    found: dict[int, Paragraph] = {}
    for i, citation in enumerate(cited):
        same = [p for p in old if p.fingerprint == citation.fingerprint]
        if same:
            found[i] = next((p for p in same if p.anchor == citation.anchor), same[0])
    return found


def _claim(candidates: Iterable[tuple[int, int]], taken: dict[int, int]) -> dict[int, int]:
    """Candidate pairs, best first, kept when neither side is matched yet."""
    claimed: dict[int, int] = {}
    used = set(taken.values())
    for i, j in candidates:
        if i not in taken and i not in claimed and j not in used:
            claimed[i] = j
            used.add(j)
    return claimed


def _in_order(cited: tuple[Citation, ...], new: tuple[Paragraph, ...]) -> dict[int, int]:
    """Pass 1: a diff of the cited fingerprints against the page's; the common subsequence."""
    matcher = SequenceMatcher(
        None, [c.fingerprint for c in cited], [p.fingerprint for p in new], autojunk=False
    )
    return {b.a + k: b.b + k for b in matcher.get_matching_blocks() for k in range(b.size)}


def _same_text(
    cited: tuple[Citation, ...], new: tuple[Paragraph, ...], taken: dict[int, int]
) -> list[tuple[int, int]]:
    """Pass 2: the same fingerprint anywhere else, in the same section first."""
    where: dict[str, list[int]] = {}
    for j, paragraph in enumerate(new):
        where.setdefault(paragraph.fingerprint, []).append(j)
    pairs = [
        (i, j)
        for i, citation in enumerate(cited)
        if i not in taken
        for j in where.get(citation.fingerprint, [])
    ]
    return sorted(pairs, key=lambda p: (p[0], new[p[1]].section != cited[p[0]].section, p[1]))


def _similar_text(
    cited: tuple[Citation, ...],
    new: tuple[Paragraph, ...],
    old_texts: dict[int, Paragraph],
    taken: dict[int, int],
) -> list[tuple[int, int]]:
    """Pass 3: pairs at least SIMILAR in their words, same section first, then the most alike."""
    used = set(taken.values())
    free = {j: _words(p) for j, p in enumerate(new) if j not in used}
    scored = []
    for i, old in old_texts.items():
        if i in taken:
            continue
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(_words(old))
        for j, words in free.items():
            matcher.set_seq1(words)
            if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR:
                ratio = matcher.ratio()
                if ratio >= SIMILAR:
                    scored.append((new[j].section != cited[i].section, -ratio, i, j))
    return [(i, j) for *_, i, j in sorted(scored)]


def _same_place(
    cited: tuple[Citation, ...],
    new: tuple[Paragraph, ...],
    old_texts: dict[int, Paragraph],
    in_order: dict[int, int],
) -> list[tuple[int, int]]:
    """Pass 4, for paragraphs whose old words are unknown: one of the same section between the
    new places of their nearest in-order neighbours."""
    pairs = []
    for i, citation in enumerate(cited):
        if i in in_order or i in old_texts:
            continue
        low = max((j for k, j in in_order.items() if k < i), default=-1)
        high = min((j for k, j in in_order.items() if k > i), default=len(new))
        pairs += [(i, j) for j in range(low + 1, high) if new[j].section == citation.section]
    return pairs


def _kept_state(cited: Citation, now: Paragraph) -> RuleState:
    """Same text in the same order: unchanged, unless its section is now another (renamed or not)."""
    return RuleState.UNCHANGED if now.section == cited.section else RuleState.MOVED


def _drifts(
    cited: tuple[Citation, ...], new: tuple[Paragraph, ...], old_texts: dict[int, Paragraph]
) -> tuple[ParagraphDrift, ...]:
    in_order = _in_order(cited, new)
    moved = _claim(_same_text(cited, new, in_order), in_order)
    taken = in_order | moved
    edited = _claim(_similar_text(cited, new, old_texts, taken), taken)
    placed = _claim(_same_place(cited, new, old_texts, in_order), taken | edited)
    drifts = {
        i: ParagraphDrift(
            cited[i], _kept_state(cited[i], new[j]), MatchedBy.FINGERPRINT, new[j], old_texts.get(i)
        )
        for i, j in in_order.items()
    }
    passes = (
        (moved, RuleState.MOVED, MatchedBy.FINGERPRINT),
        (edited, RuleState.CHANGED, MatchedBy.TEXT),
        (placed, RuleState.CHANGED, MatchedBy.POSITION),
    )
    drifts |= {
        i: ParagraphDrift(cited[i], state, how, new[j], old_texts.get(i))
        for pairs, state, how in passes
        for i, j in pairs.items()
    }
    vanished = (ParagraphDrift(c, RuleState.VANISHED, old=old_texts.get(i)) for i, c in enumerate(cited))
    return tuple(drifts.get(i, gone) for i, gone in enumerate(vanished))


def _require_the_page(catalogue: Catalogue, page: Page, found: int, cited: int) -> None:
    """A new edition may retitle the page or rewrite much of it, but not both: then it is another page."""
    if normalise(page.title) != normalise(catalogue.page) and 2 * found < cited:
        raise NotThePageError(
            f"{page.source} is not the '{catalogue.page}' page: its title is '{_shown(page.title)}' and it "
            f"holds {found} of the {cited} paragraphs the catalogue cites"
        )


def compare(catalogue: Catalogue, page: Page, old: Page | None = None) -> DriftReport:
    """Match the cited paragraphs to the page's; ``old``, the edition the catalogue cites, supplies
    their words for matching edited paragraphs by text and for word diffs."""
    cited = citations(catalogue)
    old_texts = _old_texts(cited, old) if old else {}
    if old:
        _require_the_page(catalogue, old, len(old_texts), len(cited))
    drifts = _drifts(cited, page.paragraphs, old_texts)
    by_text = sum(d.matched_by in (MatchedBy.FINGERPRINT, MatchedBy.TEXT) for d in drifts)
    _require_the_page(catalogue, page, by_text, len(cited))
    matched = {d.now for d in drifts}
    new = tuple(p for p in page if p not in matched)
    return DriftReport(page.source, old.source if old else "", drifts, new)


def word_diff(old: str, new: str) -> str:
    """The new text with what left it as [-words-] and what came in as {+words+}, like git's word diff."""
    a, b = old.split(), new.split()
    parts = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed = f"[-{' '.join(a[i1:i2])}-]" if i2 > i1 else ""
        added = f"{{+{' '.join(b[j1:j2])}+}}" if j2 > j1 else ""
        parts.append(" ".join(b[j1:j2]) if tag == "equal" else removed + added)
    return " ".join(parts)


def _diff(drift: ParagraphDrift) -> str | None:
    if drift.state is RuleState.CHANGED and drift.old and drift.now:
        return word_diff(drift.old.text, drift.now.text)
    return None


def _indented(text: str) -> str:
    return textwrap.fill(_shown(text), width=110, initial_indent="        ", subsequent_indent="        ")


def _review_lines(drift: ParagraphDrift, old_source: str) -> list[str]:
    lines = [
        f"{drift.state.value}: {drift.cited.anchor}",
        f"    rules: {', '.join(r.id for r in drift.cited.rules)}",
    ]
    if drift.state is RuleState.VANISHED:
        return [*lines, "    nothing on the page holds its text or stands in its place"]
    if drift.state is RuleState.MOVED:
        return [*lines, f"    the same text now stands at {drift.now_at}"]
    diff = _diff(drift)
    if diff is not None:
        return [*lines, f"    now {drift.now_at}; its words against {old_source}:", _indented(diff)]
    why = f"{old_source} does not hold its old text" if old_source else "no --old edition to compare with"
    lines.append(f"    now {drift.now_at}, between the same unchanged neighbours ({why}); it reads:")
    return [*lines, _indented(drift.now.text if drift.now else "")]


def _summary(report: DriftReport) -> str:
    if report.clean:
        return "Nothing to review: every cited paragraph is unchanged and every paragraph is cited."
    counts = {state: sum(d.state is state for d in report.to_review) for state in RuleState}
    states = ", ".join(f"{n} {state.value}" for state, n in counts.items() if n)
    rules = sum(len(d.cited.rules) for d in report.to_review)
    return (
        f"To review: {states or 'no'} cited paragraph(s) ({rules} rules) and "
        f"{len(report.new_paragraphs)} new paragraph(s)."
    )


def render_text(report: DriftReport) -> str:
    """What a maintainer reads: the rules to review, each changed paragraph's words, the new paragraphs."""
    lines = [
        f"Checked {len(report.rules)} rules, citing {len(report.paragraphs)} paragraphs, "
        f"against {report.source}."
    ]
    if report.to_review:
        lines += ["", "Cited paragraphs that changed, moved or vanished (review their rules):"]
        lines += [line for drift in report.to_review for line in _review_lines(drift, report.old_source)]
    if report.new_paragraphs:
        lines += ["", "New paragraphs no rule cites (each may state behaviour the kit does not check yet):"]
        for paragraph in report.new_paragraphs:
            lines += [
                f"new: {paragraph.anchor} (fingerprint {paragraph.fingerprint})",
                _indented(paragraph.text),
            ]
    renumbered = [d for d in report.paragraphs if d.renumbered]
    if renumbered:
        lines += [
            "",
            "Same text, renumbered by paragraphs inserted or removed above them (nothing to review;",
            "update the paragraph numbers in the catalogue):",
        ]
        lines += [f"{d.cited.anchor} is now ¶{d.now.number}" for d in renumbered if d.now]
    lines += ["", _summary(report)]
    return "\n".join(lines) + "\n"


def render_json(report: DriftReport) -> str:
    paragraphs = [
        {
            "cited": d.cited.anchor,
            "fingerprint": d.cited.fingerprint,
            "state": d.state.value,
            "matched_by": d.matched_by.value if d.matched_by else None,
            "now_at": d.now_at,
            "rules": [r.id for r in d.cited.rules],
            "text": d.now.text if d.now and d.state is RuleState.CHANGED else None,
            "diff": _diff(d),
        }
        for d in report.paragraphs
    ]
    data = {
        "page": report.source,
        "old": report.old_source or None,
        "clean": report.clean,
        "paragraphs": paragraphs,
        "rules": [
            {"id": d.rule.id, "state": d.state.value, "cited": d.rule.anchor, "now_at": d.now_at}
            for d in report.rules
        ],
        "new_paragraphs": [
            {"anchor": p.anchor, "fingerprint": p.fingerprint, "text": p.text} for p in report.new_paragraphs
        ],
    }
    return json.dumps(data, indent=2) + "\n"
