"""Several reports side by side: a matrix of rules x implementations.

Where two or more implementations behave the same way on a scenario and that
way is not the reference's, the rule is flagged: when independent vendors read
the page alike and the kit reads it otherwise, the page may be ambiguous there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrykit.report import Json, ReportError, load_report


@dataclass(frozen=True)
class Agreement:
    rule: str
    scenario: str
    implementations: tuple[str, ...]


def _label(report: Json) -> str:
    impl = report["implementation"]
    return f"{impl['name']} {impl['version']}"


def _behaviour(trace: Json | None) -> str | None:
    """A trace without the target's own file names: what two implementations must share to agree."""
    if trace is None:
        return None
    files = [{k: v for k, v in f.items() if k != "id"} for f in trace["files"]]
    return json.dumps({"sessions": trace["sessions"], "files": files}, sort_keys=True)


def agreements(reports: list[Json]) -> list[Agreement]:
    found = []
    by_scenario: dict[str, list[tuple[str, Json]]] = {}
    for report in reports:
        for scenario in report["scenarios"]:
            by_scenario.setdefault(scenario["nodeid"], []).append((_label(report), scenario))
    for nodeid, entries in by_scenario.items():
        groups: dict[str, list[str]] = {}
        blamed: dict[str, tuple[str, ...]] = {}
        for label, scenario in entries:
            observed = _behaviour(scenario["trace"])
            if observed is None or observed == _behaviour(scenario["expected_trace"]):
                continue
            groups.setdefault(observed, []).append(label)
            broken = tuple(scenario["findings"])
            blamed[observed] = broken or tuple(scenario["rules"])
        for observed, labels in groups.items():
            if len(labels) >= 2:
                found += [Agreement(rule, nodeid, tuple(labels)) for rule in blamed[observed]]
    return found


def load_reports(paths: Iterable[Path]) -> list[Json]:
    """Each report.json, partial ones too; a folder, an unreadable file or JSON nested too deeply is
    refused with one line (ReportError)."""
    reports = []
    for path in paths:
        if path.is_dir():
            hint = f" ({path / 'report.json'}?)" if (path / "report.json").is_file() else ""
            raise ReportError(f"{path} is a folder; give the report.json files to merge{hint}")
        try:
            reports.append(load_report(path, require_complete=False))
        except RecursionError:
            raise ReportError(f"{path}: not a conformance report: nested too deeply") from None
        except OSError as error:
            raise ReportError(f"{path}: cannot read it: {error.strerror or error}") from None
    return reports


def build_matrix(reports: list[Json]) -> dict[str, Any]:
    if not reports:
        raise ValueError("give at least one report.json to merge")
    columns = [_label(r) for r in reports]
    if len(set(columns)) != len(columns):
        raise ValueError(f"two reports are for the same implementation and version: {columns}")
    verdicts = [{rule["id"]: rule["verdict"] for rule in r["rules"]} for r in reports]
    flagged: dict[str, list[Agreement]] = {}
    for agreement in agreements(reports):
        flagged.setdefault(agreement.rule, []).append(agreement)
    rows = []
    for rule in reports[0]["rules"]:
        rows.append(
            {
                "id": rule["id"],
                "kind": rule["kind"],
                "statement": rule["statement"],
                "verdicts": [v.get(rule["id"], "not run") for v in verdicts],
                "ambiguity": [
                    {"scenario": a.scenario, "implementations": list(a.implementations)}
                    for a in flagged.get(rule["id"], [])
                ],
            }
        )
    return {
        "implementations": [
            {
                "label": label,
                "conforms": r["conforms"],
                "complete": r["end_of_report"]["complete"],
                "generated": r["generated"],
            }
            for label, r in zip(columns, reports, strict=True)
        ],
        "rules": rows,
    }
