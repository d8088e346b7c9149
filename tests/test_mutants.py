"""The suite must reject every shipped wrong implementation, for the rule that implementation breaks."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict

import pytest
from checkout import ROOT
from filelock import FileLock

from retrykit.catalogue import RuleKind, load_catalogue
from retrykit.mutation import (
    RECORD_COMMAND,
    STRENGTH_FILE,
    MutantOutcome,
    load_strength,
    readme_with_headline,
    readme_with_strength,
    run_all,
    shipped,
    strength_json,
)

CATALOGUE = load_catalogue()
MUTANTS = shipped().MUTANTS
READINGS = shipped().READINGS


def _once(
    factory: pytest.TempPathFactory, worker_id: str, key: str, run: Callable[[], list[MutantOutcome]]
) -> dict[str, MutantOutcome]:
    """The outcomes of a minute-long run, computed by the first pytest-xdist worker that asks and read
    from a shared file by the others (the recipe of xdist's documentation), not once per worker."""
    if worker_id == "master":
        return {o.name: o for o in run()}
    shared = factory.getbasetemp().parent / f"mutants-{key}.json"
    with FileLock(f"{shared}.lock"):
        if not shared.is_file():
            shared.write_text(json.dumps([asdict(o) for o in run()]), encoding="utf-8")
        found = [MutantOutcome(**o) for o in json.loads(shared.read_text(encoding="utf-8"))]
    return {o.name: o for o in found}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, MutantOutcome]:
    return _once(tmp_path_factory, worker_id, "wrong", lambda: run_all(jobs=2))


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, MutantOutcome]:
    return _once(tmp_path_factory, worker_id, "readings", lambda: run_all(jobs=2, group="READINGS"))


def test_every_mutant_breaks_a_documented_rule_and_every_reading_an_interpretation() -> None:
    assert all(CATALOGUE[m.rule].kind.documented for m in MUTANTS.values())
    assert all(CATALOGUE[m.rule].kind is RuleKind.INTERPRETATION for m in READINGS.values())


@pytest.mark.parametrize("name", sorted(READINGS))
def test_a_reading_passes_and_is_reported_as_differing(readings: dict[str, MutantOutcome], name: str) -> None:
    outcome = readings[name]
    assert outcome.told_apart, (
        f"{name}: exit failed={outcome.run_failed}, conforms={outcome.conforms}, "
        f"{outcome.rule}: {outcome.rule_verdict}"
    )


def test_every_normative_rule_and_worked_example_has_a_mutant() -> None:
    targeted = {m.rule for m in MUTANTS.values()}
    needed = {r.id for r in CATALOGUE.rules if r.kind is RuleKind.NORMATIVE}
    needed |= {"JR.EXAMPLE.PER-MACHINE", "JR.EXAMPLE.SINGLE-FILE"}
    assert needed - targeted == set()


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_suite_catches_the_mutant_by_its_rule(outcomes: dict[str, MutantOutcome], name: str) -> None:
    outcome = outcomes[name]
    assert outcome.run_failed, f"{name}: the feature run passed against it"
    assert outcome.conforms == "no", f"{name}: the verdict is {outcome.conforms!r}"
    assert outcome.rule_verdict == "failed", f"{name}: {outcome.rule} is {outcome.rule_verdict!r}"
    assert outcome.errors == 0, (
        f"{name}: {outcome.errors} scenario(s) ended in a target error instead of a verdict"
    )


def test_mutation_score_is_total(outcomes: dict[str, MutantOutcome]) -> None:
    assert sum(o.caught for o in outcomes.values()) == len(MUTANTS)


def test_the_recorded_suite_strength_is_current(outcomes: dict[str, MutantOutcome]) -> None:
    """Every report quotes the record, so it must say what the suite does today."""
    fresh = strength_json(list(outcomes.values()))
    assert STRENGTH_FILE.read_text(encoding="utf-8") == fresh, (
        f"{STRENGTH_FILE.name} is stale: run `{RECORD_COMMAND}` and commit it"
    )


def test_the_readme_quotes_the_recorded_suite_strength() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    record = load_strength()
    assert record is not None
    assert readme_with_strength(readme, record) == readme, f"README is stale: run `{RECORD_COMMAND}`"


def test_the_readme_quotes_a_real_headline(outcomes: dict[str, MutantOutcome]) -> None:
    """The README quotes, as its example of a verdict, the headline of a real report of the mutant."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_headline(readme, list(outcomes.values())) == readme, (
        f"the README's headline example is stale: run `{RECORD_COMMAND}`"
    )
