"""The rule catalogue (features/catalogue.toml) as typed, validated data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from retrykit.paths import CATALOGUE


class RuleKind(StrEnum):
    NORMATIVE = "normative"
    EXAMPLE = "example"
    ADVISORY = "advisory"
    INTERPRETATION = "interpretation"
    DECLARED = "declared reading"
    """An interpretation whose reading the target declared (retrykit.readings.bind); never in the file."""

    @property
    def documented(self) -> bool:
        """Rules the page itself states, as opposed to the kit's reading of it."""
        return self in (RuleKind.NORMATIVE, RuleKind.EXAMPLE)

    @property
    def binding(self) -> bool:
        """Rules a target that breaks them fails: the page's own, and the readings it declared."""
        return self.documented or self is RuleKind.DECLARED

    @property
    def checkable(self) -> bool:
        return self is not RuleKind.ADVISORY


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the rule and field to fix."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    statement: str
    section: str
    paragraph: int
    sentences: tuple[int, ...]
    fingerprint: str
    reason: str = ""
    source_url: str = ""
    """For a rule from another Veeam page than the catalogue's: that page's address (its title is
    ``section``, its paragraphs are numbered as in the kit's copy of it)."""
    quote: str = ""
    """For a rule from another page: a few of its words, so a reader finds the place without the copy."""

    @property
    def related(self) -> bool:
        """The rule comes from one of Veeam's related pages, not from the catalogue's own page."""
        return bool(self.source_url)

    @property
    def anchor(self) -> str:
        sentences = ", ".join(str(s) for s in self.sentences)
        cited = f"{self.section} ¶{self.paragraph} (sentence {sentences})"
        return f'{cited}, {self.source_url}: "{self.quote}"' if self.related else cited

    @property
    def tag(self) -> str:
        return f"@{self.id}"


@dataclass(frozen=True)
class Catalogue:
    page: str
    source_url: str
    rules: tuple[Rule, ...]

    def __getitem__(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no rule {rule_id!r} in the catalogue")

    def __contains__(self, rule_id: object) -> bool:
        return any(rule.id == rule_id for rule in self.rules)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules)

    @property
    def page_rules(self) -> tuple[Rule, ...]:
        """The rules that cite the catalogue's own page."""
        return tuple(rule for rule in self.rules if not rule.related)

    @property
    def related_rules(self) -> tuple[Rule, ...]:
        """The rules that cite one of Veeam's related pages."""
        return tuple(rule for rule in self.rules if rule.related)


_REQUIRED = ("id", "kind", "statement", "section", "paragraph", "sentences", "fingerprint")


def _rule(entry: dict[str, object], position: int) -> Rule:
    label = entry.get("id", f"rule #{position}")
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise CatalogueError(f"{label}: missing field(s) {', '.join(missing)}")
    written = [k.value for k in RuleKind if k is not RuleKind.DECLARED]
    if entry["kind"] not in written:
        raise CatalogueError(f"{label}: kind must be one of {written}")
    kind = RuleKind(str(entry["kind"]))
    reason = str(entry.get("reason", ""))
    if kind in (RuleKind.ADVISORY, RuleKind.INTERPRETATION) and not reason.strip():
        raise CatalogueError(f"{label}: an {kind.value} rule must say why in 'reason'")
    sentences = entry["sentences"]
    if not isinstance(sentences, list) or not all(isinstance(s, int) and s >= 1 for s in sentences):
        raise CatalogueError(f"{label}: sentences must be a list of sentence numbers from 1")
    paragraph = entry["paragraph"]
    if not isinstance(paragraph, int) or paragraph < 1:
        raise CatalogueError(f"{label}: paragraph must be a number from 1")
    return Rule(
        id=str(entry["id"]),
        kind=kind,
        statement=str(entry["statement"]),
        section=str(entry["section"]),
        paragraph=paragraph,
        sentences=tuple(sentences),
        fingerprint=str(entry["fingerprint"]),
        reason=" ".join(reason.split()),
        **_related_source(entry, label),
    )


def _related_source(entry: dict[str, object], label: object) -> dict[str, str]:
    """A rule from another page names that page's address and quotes a few of its words: both or none."""
    source_url, quote = str(entry.get("source_url", "")), str(entry.get("quote", ""))
    if bool(source_url) != bool(quote):
        raise CatalogueError(f"{label}: a rule from another page needs both 'source_url' and 'quote'")
    if source_url and not source_url.startswith("https://"):
        raise CatalogueError(f"{label}: source_url must be the page's https:// address")
    return {"source_url": source_url, "quote": quote}


def parse_catalogue(text: str) -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"the catalogue is not valid TOML: {error}") from None
    rules = tuple(_rule(entry, n) for n, entry in enumerate(data.get("rule", []), start=1))
    ids = [rule.id for rule in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CatalogueError(f"rule IDs must be unique; repeated: {', '.join(duplicated)}")
    return Catalogue(page=str(data.get("page", "")), source_url=str(data.get("source_url", "")), rules=rules)


@cache
def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    try:
        return parse_catalogue(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"no catalogue at {path}") from None
