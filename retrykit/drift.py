"""Compare the catalogue with a copy of the vendor page: what a new edition changed for the kit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from retrykit.catalogue import Catalogue, Rule
from retrykit.page import Paragraph


class RuleState(StrEnum):
    UNCHANGED = "unchanged"
    MOVED = "moved"
    CHANGED = "changed"
    VANISHED = "vanished"


@dataclass(frozen=True)
class RuleDrift:
    rule: Rule
    state: RuleState
    now_at: str = ""


@dataclass(frozen=True)
class DriftReport:
    rules: tuple[RuleDrift, ...]
    uncited: tuple[Paragraph, ...]

    @property
    def clean(self) -> bool:
        return not self.uncited and all(r.state is RuleState.UNCHANGED for r in self.rules)


def compare(catalogue: Catalogue, paragraphs: list[Paragraph]) -> DriftReport:
    """A rule is unchanged when its paragraph still hashes the same at its anchor, moved when that text
    now stands elsewhere, changed when its anchor holds other text, and vanished when the anchor is gone."""
    by_anchor = {(p.section, p.number): p for p in paragraphs}
    by_print: dict[str, list[Paragraph]] = {}
    for paragraph in paragraphs:
        by_print.setdefault(paragraph.fingerprint, []).append(paragraph)
    drifts = []
    cited: set[tuple[str, int]] = set()
    for rule in catalogue.rules:
        at_anchor = by_anchor.get((rule.section, rule.paragraph))
        if at_anchor is not None and at_anchor.fingerprint == rule.fingerprint:
            drifts.append(RuleDrift(rule, RuleState.UNCHANGED, at_anchor.anchor))
            cited.add((at_anchor.section, at_anchor.number))
        elif rule.fingerprint in by_print:
            moved = by_print[rule.fingerprint]
            cited.update((p.section, p.number) for p in moved)
            drifts.append(RuleDrift(rule, RuleState.MOVED, ", ".join(p.anchor for p in moved)))
        elif at_anchor is not None:
            cited.add((at_anchor.section, at_anchor.number))
            drifts.append(RuleDrift(rule, RuleState.CHANGED, at_anchor.anchor))
        else:
            drifts.append(RuleDrift(rule, RuleState.VANISHED))
    uncited = tuple(p for p in paragraphs if (p.section, p.number) not in cited)
    return DriftReport(tuple(drifts), uncited)
