"""report.md: the report as Markdown, for a code-hosting site or a CI job summary.

Every string that may come from an implementation is escaped for a table cell or
fenced, so a hostile name or message cannot break the layout or inject markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from retrykit.report import FAULTY, UNJUDGED
from retrykit.steplog import MARKS, StepLine
from retrykit.timeline import as_rows, timeline

Json = dict[str, Any]
_CELL_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("|", "\\|"),
    ("`", "'"),
    ("[", "\\["),
    ("]", "\\]"),
)


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line (never cut: the page wraps it), no pipes, no HTML, no
    links or images."""
    text = " ".join(str(value).split())
    text = "".join(ch for ch in text if ch.isprintable())
    for raw, safe in _CELL_ESCAPES:
        text = text.replace(raw, safe)
    return text


def fenced(text: str, language: str = "text") -> str:
    clean = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    longest = max((len(m) for m in re.findall(r"`+", clean)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{clean}\n{fence}"


def _table(headers: list[str], rows: Sequence[Sequence[object]]) -> str:
    return tabulate(
        [[cell(c) for c in row] for row in rows], headers=[cell(h) for h in headers], tablefmt="github"
    )


def _tally(tally: Json) -> str:
    parts = [
        f"{tally[k]} {k}"
        for k in ("passed", "failed", "differs from interpretation", "error", "skipped", "not run")
    ]
    return f"{tally['total']} in all: " + ", ".join(p for p in parts if not p.startswith("0 "))


def _caught(rule: Json) -> str:
    score = rule.get("mutants")
    return f"{score['caught']}/{score['shipped']}" if score else "-"


def _timeline(scenario: Json, trace: Json) -> str:
    line = timeline(scenario, trace)
    headers, rows = as_rows(line)
    statuses = ", ".join(f"session {n}: {status}" for n, status in line.statuses)
    files = "\n".join(f"- {cell(label)}: {cell(text)}" for label, text in line.files) or "- no file"
    return f"{_table(headers, rows)}\n\nSession status: {cell(statuses)}\n\n{files}"


def _link(text: str, anchor: str) -> str:
    """A link to a detail block; the anchor is the kit's own (letters, digits, - and _)."""
    return f"[{cell(text)}](#{anchor})"


def _summary(report: Json) -> list[str]:
    groups = report.get("failure_summary") or []
    if not groups:
        return []
    lines = ["## Failure summary, by root cause", ""]
    for group in groups:
        cause = (
            f"`{cell(group['rule'])}` ({cell(group['kind'])})"
            if group["rule"]
            else f"error: {cell(group['error_kind'] or 'unknown')}"
        )
        links = ", ".join(_link(str(n), a) for n, a in enumerate(group["scenarios"], 1))
        rep = group["representative"]
        lines.append(f"- {cause}, {cell(group['verdict'])}: {group['count']} scenario run(s): {links}.")
        example = f"  For example {_link(rep['name'], rep['anchor'])}"
        if rep["where"]:
            example += f": {cell(rep['where'])}"
        if rep["expected"]:
            example += f": expected {cell(rep['expected'])}; observed {cell(rep['observed'])}"
        elif rep["observed"]:
            example += f": {cell(rep['observed'])}"
        lines.append(example)
    return [*lines, ""]


def _steps(steps: list[Json]) -> str:
    """The scenario's steps as its feature file has them, each with its line and a mark, the failed ones
    followed by what failed; a data table under its step."""
    lines = []
    for step in map(StepLine.from_json, steps):
        lines.append(f"{MARKS[step.outcome]} {step.line:>4}  {step.keyword} {step.text}")
        if step.table:
            table = tabulate(step.table[1:], headers=step.table[0], tablefmt="plain")
            lines += [f"{'':9}{row}" for row in table.splitlines()]
        lines += [f"{'':9}^ failed: {note}" for note in step.notes]
    return fenced("\n".join(lines))


def _failure(scenario: Json) -> str:
    parts = [f'<a id="{scenario["anchor"]}"></a>', ""]
    parts += [f"### {cell(scenario['verdict'])}: {cell(scenario['name'])}", ""]
    parts.append(f"- Feature: {cell(scenario['location'] or scenario['feature'])}")
    parts.append(
        f"- Rules cited: {cell(', '.join(scenario['rules']))}"
        + (" (interpretation)" if scenario["interpretation"] else "")
    )
    if scenario["error_kind"]:
        parts.append(f"- Error kind: {cell(scenario['error_kind'])}")
    if scenario["known_failure"]:
        known = scenario["known_failure"]
        parts.append(
            f"- Known failure: {cell(known['reason'])}"
            + (f" ({cell(known['issue'])})" if known["issue"] else "")
        )
    if scenario["filed_under"]:
        parts.append("- Why it is filed under its rules:")
        parts += [f"  - {cell(filing['why'])}" for filing in scenario["filed_under"]]
    parts.append("")
    if scenario["steps"]:
        parts += ["Steps (✘ failed, · not run; the number is the line in the feature file):", ""]
        parts += [_steps(scenario["steps"]), ""]
    rows: list[list[object]] = []
    rows += [["scenario step", c["what"], c["expected"], c["observed"]] for c in scenario["claims"]]
    rows += [[v["rule"], v["where"], v["expected"], v["observed"]] for v in scenario["violations"]]
    if rows:
        parts += [_table(["rule", "where", "expected", "observed"], rows), ""]
    elif scenario["reason"]:
        parts += [fenced(scenario["reason"]), ""]
    if scenario["scenario"] and scenario["trace"]:
        parts += ["Observed timeline (✔ success, ⚠ warning, ✘ failed, · not run, ■ stopped; Fn = file):", ""]
        parts += [_timeline(scenario["scenario"], scenario["trace"]), ""]
    if scenario["scenario"] and scenario["expected_trace"]:
        parts += [
            "Expected timeline (the reference engine):",
            "",
            _timeline(scenario["scenario"], scenario["expected_trace"]),
            "",
        ]
    if scenario.get("reproducer"):
        parts += [
            "Minimal reproducer (paste into a file in features/):",
            "",
            fenced(scenario["reproducer"]),
            "",
        ]
        parts += ["Scenario JSON:", "", fenced(json.dumps(scenario["scenario"], indent=1)), ""]
    parts += ["Re-run just this scenario:", "", fenced(scenario["rerun"], "sh"), ""]
    return "\n".join(parts)


def _under(report: Json) -> str:
    """`` under readings ...`` (retrykit.readings), or nothing for a report of an older kit."""
    readings = report.get("readings")
    return f" {cell(readings['summary'])}" if readings else ""


def _declared(headline: Json) -> str:
    declared = headline.get("declared_readings")
    return f" Declared readings: {_tally(declared)}." if declared and declared["total"] else ""


def render_markdown(report: Json) -> str:
    impl = report["implementation"]
    headline = report["headline"]
    lines = [
        f"# Job retry conformance: {cell(impl['name'])} {cell(impl['version'])}",
        "",
        f"Conforms to the page: **{report['conforms']}**{_under(report)}. Documented rules: "
        f"{_tally(headline['documented_rules'])}. Interpretations: {_tally(headline['interpretations'])}."
        + _declared(headline),
        "",
        *[f"- {cell(reason)}" for reason in report["reasons"]],
        "",
        *_summary(report),
    ]
    strength = report.get("suite_strength")
    if strength:
        lines += [
            f"Suite strength: the scenarios reject {strength['caught']} of {strength['shipped']} shipped "
            f"wrong implementations (mutants), each breaking one rule (`{cell(strength['recorded_by'])}`).",
            "",
        ]
    if not report["end_of_report"]["complete"]:
        lines += ["> **Partial report**: the run was interrupted before every scenario was judged.", ""]
    about = [
        ["implementation", f"{impl['name']} {impl['version']}"],
        ["adapter command", impl["command"] or ("-" if impl["traces"] else "(in-process reference engine)")],
        ["recorded traces", impl["traces"] or "-"],
        ["protocol version", impl["protocol"] or "-"],
        ["kit version", report["kit"]["version"]],
        ["generated", report["generated"]],
        ["page", f"{report['page']['title']} ({report['page']['source_url']})"],
    ]
    lines += [_table(["", ""], about), "", "## Scenarios", ""]
    totals = report["totals"]
    keys = [
        "passed",
        "failed",
        "differs from interpretation",
        "error",
        "skipped",
        "not applicable",
        "known_failures",
        "unexpected_passes",
    ]
    headers = ["scenario runs (each outline example counts)", *keys]
    lines += [_table(headers, [[totals["total"], *[totals[k] for k in keys]]]), ""]
    lines += ["## Traceability", ""]
    placeholder = "\x00links\x00"
    rows = [
        [
            r["id"],
            r["kind"],
            r["statement"],
            r["anchor"],
            len(r["scenarios"]),
            _caught(r),
            placeholder,
            r["verdict"],
        ]
        for r in report["rules"]
    ]
    headers = [
        "rule",
        "kind",
        "restatement",
        "source",
        "scenario runs (each outline example counts)",
        "mutants caught (of shipped)",
        "failed in scenario runs",
        "verdict",
    ]
    table = tabulate(
        [[placeholder if c == placeholder else cell(c) for c in row] for row in rows],
        headers=[cell(h) for h in headers],
        tablefmt="github",
    ).splitlines()
    for index, rule in enumerate(report["rules"]):
        links = ", ".join(_link(str(n), a) for n, a in enumerate(rule["failed_in"], 1)) or "-"
        table[index + 2] = table[index + 2].replace(placeholder, links)
    lines += ["\n".join(table), ""]
    failures = [s for s in report["scenarios"] if s["verdict"] in FAULTY]
    unjudged = [s for s in report["scenarios"] if s["verdict"] in UNJUDGED]
    unexpected = [s for s in report["scenarios"] if s["unexpected_pass"]]
    if unexpected:
        lines += ["## Known failures that now pass", "", "Remove them from the expectations file:", ""]
        lines += [f"- {cell(s['nodeid'])}" for s in unexpected] + [""]
    if failures:
        lines += ["## Failures and errors", ""] + [_failure(s) for s in failures]
    if unjudged:
        rows = [[s["name"], s["verdict"], s["reason"]] for s in unjudged]
        lines += ["## Skipped and not applicable", "", _table(["scenario", "verdict", "reason"], rows), ""]
    interpretations = [r for r in report["rules"] if r["kind"] in ("interpretation", "advisory")]
    lines += ["## The kit's readings of the page", ""]
    lines += [
        _table(["rule", "kind", "why"], [[r["id"], r["kind"], r["reason"]] for r in interpretations]),
        "",
    ]
    return "\n".join(lines)


def _implementation_row(i: Json) -> list[object]:
    report = "complete" if i["complete"] else "partial (the run was interrupted)"
    reasons = "; ".join(i["reasons"]) or "-"
    conforms = f"{i['conforms']} {i['readings']}" if i.get("readings") else i["conforms"]
    return [i["key"], i["label"], conforms, reasons, *i["counts"].values(), report, i["generated"]]


def render_matrix_markdown(matrix: Json) -> str:
    implementations = matrix["implementations"]
    lines = ["# Job retry conformance: implementations side by side", ""]
    lines += [f"- **Warning:** {cell(w)}" for w in matrix.get("warnings", [])]
    lines += [""] if matrix.get("warnings") else []
    lines += ["## Implementations", ""]
    counts = list(implementations[0]["counts"]) if implementations else []
    headers = ["key", "implementation", "conforms to the page", "why", *counts, "report", "generated"]
    table = _table(headers, [_implementation_row(i) for i in implementations]).splitlines()
    # The link (a URL-quoted path the kit made) is put in after tabulate, as it is no cell's text.
    for index, i in enumerate(implementations):
        if i["report_md"]:
            line = table[index + 2].rsplit("|", 3)
            line[1] = f" [{line[1].strip()}]({i['report_md']}) "
            table[index + 2] = "|".join(line)
    lines += ["\n".join(table), ""]
    lines += ["## Rules", ""]
    legend = ", ".join(f"{entry['short']} = {entry['verdict']}" for entry in matrix["legend"])
    lines += [f"Columns are the implementations' keys above; cells: {cell(legend)}.", ""]
    rows = [
        [r["id"], r["kind"], *r["cells"], "possible ambiguity" if r["ambiguity"] else ""]
        for r in matrix["rules"]
    ]
    lines += [_table(["rule", "kind", *[i["key"] for i in implementations], "flag"], rows), ""]
    flagged = [r for r in matrix["rules"] if r["ambiguity"]]
    if flagged:
        lines += [
            "## Possible ambiguities of the page",
            "",
            "On these rules two or more implementations behaved alike, "
            "and not as the reference reads the page:",
            "",
        ]
        for rule in flagged:
            for a in rule["ambiguity"]:
                lines.append(
                    f"- {cell(rule['id'])}: {cell(', '.join(a['implementations']))} on {cell(a['scenario'])}"
                )
        lines.append("")
    return "\n".join(lines)
