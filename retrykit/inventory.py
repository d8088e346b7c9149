"""Which scenarios the feature files hold and which rules their tags cite.

Parsed with Cucumber's own Gherkin parser (the ``gherkin-official`` package that
pytest-bdd itself builds on), so what counts here is what any Cucumber tool reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from gherkin.errors import CompositeParserException
from gherkin.parser import Parser

from retrykit.paths import FEATURES

RULE_TAG_PREFIX = "@JR."
INTERPRETATION_TAG = "@interpretation"


class FeatureFileError(ValueError):
    """A feature file does not parse; the message carries the file and line."""


@dataclass(frozen=True)
class ScenarioEntry:
    feature_file: str
    feature: str
    name: str
    line: int
    tags: frozenset[str]
    runs: int = 1
    """How many tests pytest makes of it: one per example row of a Scenario Outline."""

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(t[1:] for t in self.tags if t.startswith(RULE_TAG_PREFIX))

    @property
    def interpretation(self) -> bool:
        return INTERPRETATION_TAG in self.tags


def _tags(node: dict[str, Any]) -> set[str]:
    return {tag["name"] for tag in node.get("tags", [])}


def _scenarios(
    children: list[dict[str, Any]], inherited: set[str]
) -> Iterator[tuple[dict[str, Any], set[str]]]:
    for child in children:
        if "scenario" in child:
            yield child["scenario"], inherited
        elif "rule" in child:
            rule = child["rule"]
            yield from _scenarios(rule.get("children", []), inherited | _tags(rule))


def read_feature(path: Path) -> list[ScenarioEntry]:
    try:
        document = Parser().parse(path.read_text(encoding="utf-8"))
    except CompositeParserException as error:
        raise FeatureFileError(f"{path}: {error}") from None
    feature = cast(dict[str, Any] | None, document.get("feature"))
    if feature is None:
        return []
    entries = []
    for scenario, inherited in _scenarios(feature.get("children", []), _tags(feature)):
        tags = inherited | _tags(scenario)
        for examples in scenario.get("examples", []):
            tags = tags | _tags(examples)
        rows = sum(len(examples.get("tableBody", [])) for examples in scenario.get("examples", []))
        entries.append(
            ScenarioEntry(
                path.name,
                feature["name"],
                scenario["name"],
                scenario["location"]["line"],
                frozenset(tags),
                rows or 1,
            )
        )
    return entries


def read_features(folder: Path = FEATURES) -> list[ScenarioEntry]:
    return [entry for path in sorted(folder.glob("*.feature")) for entry in read_feature(path)]
