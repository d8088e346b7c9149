"""Several reports side by side: a matrix of rules x implementations.

Where two or more implementations behave the same way on a scenario and that
way is not the reference's, the rule is flagged: when independent vendors read
the page alike and the kit reads it otherwise, the page may be ambiguous there.

The matrix stays readable at eight implementations and more: each has a short key (I1, I2, ...) that
heads its column, verdicts are short words, and the table of implementations, one row each, gives the
key's name, its scenario counts, why it does not conform, and a link to its own report.

Reports are hostile input too. Two reports with the same trace for every scenario
(file ids included) are taken for copies of one run, whatever names they carry:
both are shown, with a warning, and count once towards a possible ambiguity.
Reports written from different rule catalogues (another kit version) are merged
over the union of their rules, with a warning naming what differs; a rule a
report's catalogue lacks reads "not in its catalogue" in its column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from retrykit.report import Json, ReportError, load_report

NOT_IN_CATALOGUE = "not in its catalogue"
"""The cell of a rule that the catalogue a report was written from does not list."""

_SHOWN = 5
"""Rule IDs named in one warning before the rest are counted."""

SHORT = {
    "passed": "pass",
    "failed": "FAIL",
    "differs from interpretation": "differs",
    "error": "error",
    "skipped": "skipped",
    "not applicable": "n/a",
    "not run": "not run",
    NOT_IN_CATALOGUE: "absent",
}
"""A verdict as a matrix cell shows it, so eight columns fit a window; the legend spells each out."""
COUNTED = ("passed", "failed", "differs from interpretation", "error", "skipped", "not applicable")
"""The scenario verdicts the table of implementations counts, besides the scenario runs in all."""


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


def agreements(reports: list[Json], copies: dict[str, str] | None = None) -> list[Agreement]:
    """Rules on which two or more implementations behave alike and not as the reference does; a copy
    (``copies``: label -> the label of the report it copies) counts as the report it copies."""
    found = []
    copy_of = copies or {}
    by_scenario: dict[str, list[tuple[str, Json]]] = {}
    for report in reports:
        label = _label(report)
        for scenario in report["scenarios"]:
            by_scenario.setdefault(scenario["nodeid"], []).append((copy_of.get(label, label), scenario))
    for nodeid, entries in by_scenario.items():
        groups: dict[str, list[str]] = {}
        blamed: dict[str, tuple[str, ...]] = {}
        for label, scenario in entries:
            observed = _behaviour(scenario["trace"])
            if observed is None or observed == _behaviour(scenario["expected_trace"]):
                continue
            labels = groups.setdefault(observed, [])
            if label not in labels:
                labels.append(label)
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


def _results(report: Json) -> str:
    """What a run answered: every scenario's trace, file ids included."""
    traces = sorted(([s["nodeid"], s["trace"]] for s in report["scenarios"]), key=lambda pair: pair[0])
    return json.dumps(traces, sort_keys=True)


def _copies(reports: Sequence[Json], labels: Sequence[str]) -> dict[str, str]:
    """label -> the label of the first report with the same trace for every scenario (none for a report
    that holds no trace at all: nothing to tell two runs apart by)."""
    first: dict[str, str] = {}
    copies: dict[str, str] = {}
    for label, report in zip(labels, reports, strict=True):
        if not any(s["trace"] is not None for s in report["scenarios"]):
            continue
        original = first.setdefault(_results(report), label)
        if original != label:
            copies[label] = original
    return copies


def _ids(rules: Iterable[str]) -> str:
    listed = list(rules)
    more = f" and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else ""
    return ", ".join(listed[:_SHOWN]) + more


def _union(reports: Sequence[Json], labels: Sequence[str]) -> tuple[list[Json], list[str]]:
    """Every rule any report lists, in the order of the report listing most (then the others' new
    ones), with a warning for each way the reports' catalogues differ."""
    order = sorted(range(len(reports)), key=lambda k: -len(reports[k]["rules"]))
    union: dict[str, Json] = {}
    for k in order:
        for rule in reports[k]["rules"]:
            union.setdefault(rule["id"], rule)
    catalogues = {
        json.dumps(sorted((r["id"], r["kind"], r["statement"]) for r in report["rules"]))
        for report in reports
    }
    if len(catalogues) == 1:
        return list(union.values()), []
    warnings = [
        f"the reports come from {len(catalogues)} different rule catalogues (other kit versions): the "
        f"matrix shows the union of their {len(union)} rules, '{NOT_IN_CATALOGUE}' where a report's "
        "catalogue lacks one; compare verdicts across them with care"
    ]
    for label, report in zip(labels, reports, strict=True):
        listed = {r["id"] for r in report["rules"]}
        if missing := [rule for rule in union if rule not in listed]:
            warnings.append(
                f"{label} (kit {report['kit']['version']}) lists {len(listed)} of the {len(union)} rules; "
                f"not {_ids(missing)}"
            )
    differing = [
        rule_id
        for rule_id, rule in union.items()
        if any(
            (r["kind"], r["statement"]) != (rule["kind"], rule["statement"])
            for report in reports
            for r in report["rules"]
            if r["id"] == rule_id
        )
    ]
    if differing:
        warnings.append(f"these rules read differently in different catalogues: {_ids(differing)}")
    return list(union.values()), warnings


def _implementation(key: str, label: str, report: Json, folder: str) -> Json:
    """One row of the table of implementations; ``folder`` is its report's folder as seen from the
    matrix's, or empty when unknown. Links are URL-quoted, so a folder's name cannot break them."""
    totals = report["totals"]
    return {
        "key": key,
        "label": label,
        "conforms": report["conforms"],
        "readings": report.get("readings", {}).get("summary", ""),
        "reasons": list(report["reasons"]),
        "complete": report["end_of_report"]["complete"],
        "generated": report["generated"],
        "counts": {"scenario runs": totals["total"]} | {v: totals[v] for v in COUNTED},
        "report_md": quote(f"{folder}/report.md") if folder else "",
        "report_html": quote(f"{folder}/report.html") if folder else "",
    }


def build_matrix(reports: list[Json], folders: Sequence[str] = ()) -> dict[str, Any]:
    """The matrix of ``reports``; ``folders`` are their folders as seen from where the matrix is written
    (POSIX paths, for links), one per report, or none."""
    if not reports:
        raise ValueError("give at least one report.json to merge")
    columns = [_label(r) for r in reports]
    if len(set(columns)) != len(columns):
        raise ValueError(f"two reports are for the same implementation and version: {columns}")
    rules, warnings = _union(reports, columns)
    copies = _copies(reports, columns)
    warnings += [
        f"{label} has the same trace as {original} on every scenario: taken for a copy of one run, it "
        "counts once towards possible ambiguities"
        for label, original in copies.items()
    ]
    verdicts = [{rule["id"]: rule["verdict"] for rule in r["rules"]} for r in reports]
    flagged: dict[str, list[Agreement]] = {}
    for agreement in agreements(reports, copies):
        flagged.setdefault(agreement.rule, []).append(agreement)
    rows = []
    for rule in rules:
        rows.append(
            {
                "id": rule["id"],
                "kind": rule["kind"],
                "statement": rule["statement"],
                "verdicts": [v.get(rule["id"], NOT_IN_CATALOGUE) for v in verdicts],
                "cells": [SHORT[v.get(rule["id"], NOT_IN_CATALOGUE)] for v in verdicts],
                "ambiguity": [
                    {"scenario": a.scenario, "implementations": list(a.implementations)}
                    for a in flagged.get(rule["id"], [])
                ],
            }
        )
    return {
        "implementations": [
            _implementation(f"I{k}", label, report, folder)
            for k, (label, report, folder) in enumerate(
                zip(columns, reports, list(folders) or [""] * len(reports), strict=True), 1
            )
        ],
        "legend": [{"short": short, "verdict": verdict} for verdict, short in SHORT.items()],
        "rules": rows,
        "warnings": warnings,
    }
