"""Every scenario of the feature suite as a JSON file, for products that cannot be driven live.

The scenarios are built by the suite's own steps: the suite runs in-process against the reference, and
a small plugin keeps each scenario its ``When`` step built, so an exported scenario is exactly the one a
live run sends. Each is named by an ID that outlives reordering (pytest-bdd names tests by their
title, numbered in file order when titles repeat): a readable slug of feature and title, then a hash of
the scenario's canonical JSON, which is all a replay needs to find the trace recorded for it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_bdd import parser as bdd

from retrykit.codec import scenario_to_json
from retrykit.collector import scenario_rules
from retrykit.drivers import required_capabilities
from retrykit.errors import KitUsageError
from retrykit.paths import FEATURES
from retrykit.reference.model import Scenario
from retrykit.report import write_atomically
from retrykit.steps.when import MISSING_KEY, SCENARIO_KEY

INDEX = "index.json"
KEY_LENGTH = 12
_SLUG_LENGTH = 80
KEY_PATTERN = re.compile(rf"--(?P<key>[0-9a-f]{{{KEY_LENGTH}}})$")
"""How a scenario's key ends its ID (and the stem of its trace file)."""


def scenario_key(scenario: Scenario) -> str:
    """A short hash of what the scenario asks, independent of where the suite states it; outcomes are
    sorted, so only a change to the scenario itself changes its key (and voids a trace recorded for it).
    The readings it is judged under are left out: they change the verdict, never what the product does."""
    document = scenario_to_json(scenario)
    document.pop("readings", None)
    for session in document["sessions"]:
        session["outcomes"].sort(key=lambda o: (o["attempt"], o["vm"]))
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:_SLUG_LENGTH].rstrip("-")


@dataclass(frozen=True)
class Exported:
    """One scenario of the suite, with what index.json says about it."""

    feature: str
    title: str
    nodeid: str
    rules: tuple[str, ...]
    scenario: Scenario

    @property
    def id(self) -> str:
        return f"{_slug(Path(self.feature).stem)}--{_slug(self.title)}--{scenario_key(self.scenario)}"

    def index_entry(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "title": self.title,
            "nodeid": self.nodeid,
            "rules": list(self.rules),
            "capabilities": sorted(required_capabilities(self.scenario)),
        }


_TITLE_KEY = pytest.StashKey[tuple[str, str]]()


class _Recorder:
    """A pytest plugin that keeps each scenario the suite's steps build, with its feature and title."""

    def __init__(self) -> None:
        self.exported: list[Exported] = []
        self.unbuilt: list[str] = []
        self.other_reading: list[Exported] = []
        """Scenarios written for another alternative of a reading than the run's: exported, never run."""

    def pytest_bdd_before_scenario(
        self, request: pytest.FixtureRequest, feature: bdd.Feature, scenario: bdd.Scenario
    ) -> None:
        request.node.stash[_TITLE_KEY] = (Path(feature.filename).name, scenario.name)

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        named = item.stash.get(_TITLE_KEY, None)
        if named is None:
            return
        built = item.stash.get(SCENARIO_KEY, None)
        if built is None:
            self.unbuilt.append(item.nodeid)
            return
        exported = Exported(*named, item.nodeid, scenario_rules(item), built)
        self.exported.append(exported)
        if any(m.startswith("reading ") for m in item.stash.get(MISSING_KEY, ())):
            self.other_reading.append(exported)


def _record(arguments: Sequence[str]) -> tuple[_Recorder, int]:
    """Run pytest with ``arguments`` in-process against the reference, keeping each scenario built."""
    recorder = _Recorder()
    with tempfile.TemporaryDirectory() as scratch:
        status = pytest.main(
            [*arguments, "-p", "no:terminal", "-p", "no:cacheprovider", "--report-dir", scratch],
            plugins=[recorder],
        )
    return recorder, int(status)


def built(arguments: Sequence[str]) -> list[Exported]:
    """The scenarios the suite's steps build for these pytest arguments; those that fail to build are
    left out (their tests fail in the run that asked), and so are those the run's readings make not
    applicable."""
    recorder = _record(arguments)[0]
    return [e for e in recorder.exported if e not in recorder.other_reading]


def collect(features: Path = FEATURES) -> list[Exported]:
    """Every scenario of the suite in ``features``, as its steps build it."""
    recorder, status = _record([str(features)])
    if recorder.unbuilt:
        raise KitUsageError(
            f"{len(recorder.unbuilt)} scenario(s) could not be built, e.g. {recorder.unbuilt[0]}: "
            f"run pytest {features} to see why"
        )
    if not recorder.exported:
        raise KitUsageError(f"no scenario found in {features} (pytest exit status {status})")
    return recorder.exported


def write(exported: list[Exported], folder: Path) -> int:
    """Write one ``<id>.json`` per scenario and ``index.json``; files of a previous export that name
    scenarios no longer in the suite are removed, so nobody records them. Returns how many were."""
    entries = {e.id: e for e in exported}
    if len(entries) != len(exported):
        twins = sorted({e.nodeid for e in exported if sum(o.id == e.id for o in exported) > 1})
        raise KitUsageError(f"scenarios share an ID (same feature, title and steps): {', '.join(twins)}")
    stale = _previous_ids(folder) - set(entries)
    for old in stale:
        (folder / f"{old}.json").unlink(missing_ok=True)
    for scenario_id, entry in entries.items():
        text = json.dumps(scenario_to_json(entry.scenario), indent=2) + "\n"
        write_atomically(folder / f"{scenario_id}.json", text)
    document = {i: e.index_entry() for i, e in sorted(entries.items())}
    write_atomically(folder / INDEX, json.dumps(document, indent=2) + "\n")
    return len(stale)


def _previous_ids(folder: Path) -> set[str]:
    """The IDs an earlier export into ``folder`` wrote (plain file names only: an edited index must not
    make export delete files elsewhere); a folder without its index.json has none."""
    index = folder / INDEX
    if not index.is_file():
        return set()
    try:
        previous = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise KitUsageError(f"{index} is not an index retry-kit export wrote: {error}") from None
    if not isinstance(previous, dict):
        raise KitUsageError(f"{index} is not an index retry-kit export wrote: not a JSON object")
    return {i for i in previous if KEY_PATTERN.search(i) and Path(i).name == i}
