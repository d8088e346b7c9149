"""Named readings: their definitions from the catalogue, the readings a run is judged under, and how a
declared reading binds its rule.

The catalogue's ``[[reading]]`` tables are the one source of each reading's alternatives, reasons and
sources; the protocol schema's ``$defs/readings`` lists the values a hello may carry, and the engine's
enums (retrykit.reference.readings) are what it branches on. ``tests/test_readings.py`` keeps the three
in step. A reading a target declares (in its hello, or the user for it with ``--reading``) makes its
rule binding: the target said what it does, so not doing it fails the run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from retrykit.catalogue import Catalogue, RuleKind
from retrykit.errors import KitUsageError, ScenarioAuthoringError
from retrykit.paths import CATALOGUE
from retrykit.reference.readings import DEFAULT, Readings
from retrykit.validation import schema

READING_TAG_PREFIX = "@reading:"
"""A scenario written for one alternative of a reading carries ``@reading:NAME=VALUE``."""


@dataclass(frozen=True)
class Alternative:
    value: str
    statement: str
    reason: str
    source: str


@dataclass(frozen=True)
class Reading:
    name: str
    rule: str
    question: str
    alternatives: tuple[Alternative, ...]

    @property
    def default(self) -> str:
        return self.alternatives[0].value

    def alternative(self, value: str) -> Alternative:
        return next(a for a in self.alternatives if a.value == value)


@cache
def load_readings(path: Path = CATALOGUE) -> tuple[Reading, ...]:
    """Every reading of the catalogue, in its order; the first alternative of each is the default."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Reading(
            str(entry["name"]),
            str(entry["rule"]),
            str(entry["question"]),
            tuple(
                Alternative(
                    str(a["value"]), str(a["statement"]), " ".join(str(a["reason"]).split()), str(a["source"])
                )
                for a in entry["alternative"]
            ),
        )
        for entry in data.get("reading", [])
    )


def schema_values() -> dict[str, tuple[str, ...]]:
    """The values the protocol lets a hello declare, by reading, as the schema lists them."""
    properties = schema("protocol")["$defs"]["readings"]["properties"]
    return {name: tuple(spec["enum"]) for name, spec in properties.items()}


def parse_options(texts: Iterable[str]) -> dict[str, str]:
    """``--reading NAME=VALUE`` options as a mapping, each checked against the values the schema allows."""
    allowed = schema_values()
    chosen: dict[str, str] = {}
    for text in texts:
        name, equals, value = text.partition("=")
        if not equals or name not in allowed:
            raise KitUsageError(
                f"--reading takes NAME=VALUE with NAME one of {', '.join(allowed)}; got {text!r}"
            )
        if value not in allowed[name]:
            raise KitUsageError(
                f"--reading {name}: the alternatives are {', '.join(allowed[name])}; got {value!r}"
            )
        if chosen.get(name, value) != value:
            raise KitUsageError(f"--reading {name} is given twice, as {chosen[name]} and {value}")
        chosen[name] = value
    return chosen


def declared(hello: Mapping[str, str], options: Mapping[str, str]) -> dict[str, str]:
    """The readings a run is declared to follow: the target's hello, then the user's ``--reading``, which
    speaks for the product when its adapter says nothing or says otherwise."""
    return dict(hello) | dict(options)


def active(declared_readings: Mapping[str, str]) -> Readings:
    """The readings the scenarios run under: the declared ones, the kit's default for the rest."""
    return DEFAULT.with_values(dict(declared_readings))


def bind(catalogue: Catalogue, declared_readings: Mapping[str, str]) -> Catalogue:
    """The catalogue a run is graded by: each declared reading's rule says what that alternative says and
    binds like a documented rule; the rules of readings left to the default stay interpretations."""
    by_rule = {r.rule: r for r in load_readings() if r.name in declared_readings}
    rules = []
    for rule in catalogue.rules:
        reading = by_rule.get(rule.id)
        if reading is None or rule.kind is not RuleKind.INTERPRETATION:
            rules.append(rule)
            continue
        value = declared_readings[reading.name]
        chosen = reading.alternative(value)
        rules.append(
            replace(
                rule,
                kind=RuleKind.DECLARED,
                statement=chosen.statement,
                reason=f"Declared reading {reading.name}={value}: {chosen.reason} Source: {chosen.source}.",
            )
        )
    return replace(catalogue, rules=tuple(rules))


def summary(declared_readings: Mapping[str, str]) -> list[dict[str, object]]:
    """Every reading with the alternative the run was judged under and whether it was declared, for the
    report."""
    return [
        {
            "name": r.name,
            "value": declared_readings.get(r.name, r.default),
            "declared": r.name in declared_readings,
            "rule": r.rule,
        }
        for r in load_readings()
    ]


def headline(declared_readings: Mapping[str, str]) -> str:
    """``under ... readings``: the declared readings, then how many were left at the kit's default."""
    if not declared_readings:
        return "under the kit's default readings"
    chosen = ", ".join(f"{name}={value}" for name, value in declared_readings.items())
    left = len(load_readings()) - len(declared_readings)
    return f"under readings {chosen}" + (f" (the kit's default for the other {left})" if left else "")


def scenario_mismatch(wanted: Iterable[tuple[str, str]], readings: Readings) -> tuple[str, ...]:
    """The ``reading NAME=VALUE`` a scenario was written for and the run is not under (empty: it applies)."""
    values = readings.values()
    unknown = [name for name, _ in wanted if name not in values]
    if unknown:
        raise ScenarioAuthoringError(
            f"no reading named {', '.join(unknown)}: see [[reading]] in the catalogue"
        )
    return tuple(f"reading {name}={value}" for name, value in wanted if values[name] != value)
