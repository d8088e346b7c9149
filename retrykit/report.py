"""The conformance report's data model, built from the kit's own results, and its JSON form.

One model feeds report.json, report.md and report.html, so the three cannot
disagree. The JSON ends with a completeness marker: a report cut short by an
interrupted run or a truncated file never passes for a whole one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retrykit import __version__
from retrykit.catalogue import Catalogue, RuleKind
from retrykit.filing import filings
from retrykit.readings import bind
from retrykit.readings import headline as readings_headline
from retrykit.readings import summary as readings_summary
from retrykit.results import InterpretationPolicy, ScenarioResult, Verdict, conformance, rule_verdict
from retrykit.validation import SchemaViolation, validate

Json = dict[str, Any]
REPORT_FORMAT = "1"


class ReportError(ValueError):
    """A report file cannot be used: unreadable, not a report, or incomplete."""


@dataclass(frozen=True)
class Implementation:
    name: str
    version: str
    protocol: str
    command: str
    """The adapter command, or empty for the in-process reference engine."""
    handshake_error: str = ""
    """Why the adapter's hello was refused; empty when it was accepted (or there is no adapter)."""
    stopped: str = ""
    """Why the run stopped early with the adapter (unresponsive); empty when it did not."""
    traces: str = ""
    """The folder of recorded traces judged instead of a live target (--traces); empty for a live one."""
    readings: dict[str, str] = field(default_factory=dict)
    """The readings the target declared in its hello or the user with --reading, by name; the rest are the
    kit's defaults."""


@dataclass(frozen=True)
class KnownFailure:
    reason: str
    issue: str = ""


RERUN_FOLDER = "rerun"
"""The folder, inside a run's report folder, where re-runs of its scenarios write their own reports."""


def rerun_folder(report_dir: Path, nodeid: str) -> Path:
    """Where the re-run of one scenario writes its report: report_dir/rerun/<scenario>; a re-run's own
    re-run keeps its folder, so a full report is never replaced by a one-scenario one."""
    if report_dir.parent.name == RERUN_FOLDER:
        return report_dir
    name = nodeid.rpartition("::")[2]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:120] or "scenario"
    return report_dir / RERUN_FOLDER / slug


def absolute_command(command: str, cwd: Path) -> str:
    """The adapter command with each word that names an existing relative path (the program only when it
    has a slash: a bare name is looked up on PATH) made absolute from ``cwd``, so it runs from any folder."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    changed = False
    for index, word in enumerate(words):
        if not word or Path(word).is_absolute() or (index == 0 and "/" not in word):
            continue
        if (cwd / word).exists():
            words[index] = os.path.normpath(cwd / word)
            changed = True
    return shlex.join(words) if changed else command


def rerun_command(
    nodeid: str,
    implementation: Implementation,
    *,
    root: Path | None = None,
    cwd: Path | None = None,
    report_dir: Path | None = None,
) -> str:
    """Quoted for a POSIX shell, whatever the node ID or the adapter command hold.

    Given ``root`` (pytest's rootdir, which node IDs are relative to) and ``cwd`` (where the run started),
    the test file and the adapter's relative paths are absolute, so the command works from any folder;
    given ``report_dir`` (the run's report folder), the re-run writes to its own folder inside it."""
    command = implementation.command
    if root is not None:
        path, sep, rest = nodeid.partition("::")
        nodeid = str(root / path) + sep + rest
        command = absolute_command(command, cwd or Path.cwd())
    adapter = ["--adapter", command] if command else []
    traces = ["--traces", implementation.traces] if implementation.traces else []
    folder = ["--report-dir", str(rerun_folder(report_dir, nodeid))] if report_dir is not None else []
    return shlex.join(["pytest", nodeid, *adapter, *traces, *folder])


def scenario_anchor(nodeid: str) -> str:
    """The id of a scenario's detail block in report.md and report.html, stable across runs."""
    return "scenario-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", nodeid.rpartition("::")[2]).strip("-") or "x")


FAULTY = (Verdict.FAILED, Verdict.DIFFERS, Verdict.ERROR)
"""The verdicts of scenarios the failure summary groups and the report shows in detail."""
UNJUDGED = (Verdict.SKIPPED, Verdict.NOT_APPLICABLE)
"""The verdicts of scenarios the report lists with the reason they were not judged."""


def _cause(result: ScenarioResult) -> str:
    """The rule a failure is filed under first: the first broken rule check, else the first finding."""
    if result.violations:
        return result.violations[0].rule
    return result.findings[0] if result.findings else ""


def _failure_summary(results: list[ScenarioResult], catalogue: Catalogue) -> list[Json]:
    """Failures grouped by root cause (the broken rule, or the error kind), largest group first, each with
    one representative's expected and observed."""
    groups: dict[tuple[str, str], list[ScenarioResult]] = {}
    for result in results:
        if result.verdict in FAULTY:
            cause = _cause(result)
            groups.setdefault((cause, "" if cause else result.error_kind), []).append(result)
    summary = []
    for (cause, error_kind), members in sorted(groups.items(), key=lambda g: -len(g[1])):
        first = members[0]
        violation = next((v for v in first.violations if v.rule == cause), None)
        claim = first.claims[0] if first.claims else None
        where, expected, observed = (
            (violation.where, violation.expected, violation.observed)
            if violation is not None
            else (claim.what, claim.expected, claim.observed)
            if claim is not None
            else ("", "", (first.reason.splitlines() or [""])[0])
        )
        summary.append(
            {
                "rule": cause,
                "kind": catalogue[cause].kind.value if cause and cause in catalogue else "",
                "error_kind": error_kind,
                "verdict": max((m.verdict for m in members), key=lambda v: v.severity).value,
                "count": len(members),
                "scenarios": [scenario_anchor(m.nodeid) for m in members],
                "representative": {
                    "name": first.name,
                    "anchor": scenario_anchor(first.nodeid),
                    "where": where,
                    "expected": expected,
                    "observed": observed,
                },
            }
        )
    return summary


def _scenario_json(
    result: ScenarioResult, implementation: Implementation, known: KnownFailure | None, catalogue: Catalogue
) -> Json:
    return {
        "nodeid": result.nodeid,
        "anchor": scenario_anchor(result.nodeid),
        "feature": result.feature,
        "location": result.location,
        "steps": [step.to_json() for step in result.steps],
        "filed_under": [asdict(filing) for filing in filings(result, catalogue)],
        "name": result.name,
        "rules": list(result.rules),
        "interpretation": result.interpretation,
        "verdict": result.verdict.value,
        "reason": result.reason,
        "error_kind": result.error_kind,
        "violations": [
            {
                "rule": v.rule,
                "where": v.where,
                "expected": v.expected,
                "observed": v.observed,
                "session": v.session,
            }
            for v in result.violations
        ],
        "claims": [
            {"what": c.what, "expected": c.expected, "observed": c.observed, "session": c.session}
            for c in result.claims
        ],
        "findings": list(result.findings),
        "missing_capabilities": list(result.missing_capabilities),
        "known_failure": None if known is None else {"reason": known.reason, "issue": known.issue},
        "unexpected_pass": known is not None and result.verdict is Verdict.PASSED,
        "rerun": result.rerun or rerun_command(result.nodeid, implementation),
        "reproducer": result.reproducer,
        "scenario": result.scenario,
        "trace": result.trace,
        "expected_trace": result.expected_trace,
        "duration": round(result.duration, 6),
    }


def _tally(verdicts: list[Verdict]) -> Json:
    counts = Counter(v.value for v in verdicts)
    return {"total": len(verdicts)} | {v.value: counts.get(v.value, 0) for v in Verdict}


def build_report(
    results: list[ScenarioResult],
    catalogue: Catalogue,
    implementation: Implementation,
    *,
    generated: str,
    complete: bool,
    expected: int | None = None,
    policy: InterpretationPolicy = InterpretationPolicy.REPORT,
    known_failures: dict[str, KnownFailure] | None = None,
    strength: Json | None = None,
    run_id: str | None = None,
) -> Json:
    """The whole report as JSON-ready data; ``complete`` is False for an interrupted run; ``strength`` is
    the suite's recorded mutation score (retrykit.mutation), quoted so a reviewer can weigh a pass;
    ``run_id`` names the run, which report.md and report.html beside it name too (retrykit.report_set)."""
    known = known_failures or {}
    catalogue = bind(catalogue, implementation.readings)
    by_rule = (strength or {}).get("rules", {})
    rules = []
    rule_verdicts = [(rule, rule_verdict(results, rule.id, rule.kind)) for rule in catalogue.rules]
    for rule, verdict in rule_verdicts:
        rules.append(
            {
                "id": rule.id,
                "kind": rule.kind.value,
                "statement": rule.statement,
                "anchor": rule.anchor,
                "reason": rule.reason,
                "scenarios": [r.nodeid for r in results if rule.id in r.rules],
                "failed_in": [scenario_anchor(r.nodeid) for r in results if rule.id in r.findings],
                "verdict": verdict.value,
                "mutants": None
                if rule.id not in by_rule
                else {k: by_rule[rule.id][k] for k in ("caught", "shipped")},
            }
        )
    documented = [v for rule, v in rule_verdicts if rule.kind.documented]
    interpretations = [v for rule, v in rule_verdicts if rule.kind is RuleKind.INTERPRETATION]
    declared_readings = [v for rule, v in rule_verdicts if rule.kind is RuleKind.DECLARED]
    scenario_verdicts = [r.verdict for r in results]
    outcome = conformance(
        results,
        {rule.id: (rule.kind, verdict) for rule, verdict in rule_verdicts},
        complete=complete,
        expected=len(results) if expected is None else expected,
        handshake_error=implementation.handshake_error,
        stopped=implementation.stopped,
        policy=policy,
        known=frozenset(known),
    )
    totals = _tally(scenario_verdicts) | {
        "known_failures": sum(r.nodeid in known and r.verdict is not Verdict.PASSED for r in results),
        "unexpected_passes": sum(r.nodeid in known and r.verdict is Verdict.PASSED for r in results),
    }
    return {
        "report_format": REPORT_FORMAT,
        "kit": {"name": "job-retry-conformance-kit", "version": __version__},
        "implementation": {
            "name": implementation.name,
            "version": implementation.version,
            "protocol": implementation.protocol,
            "command": implementation.command,
            "handshake_error": implementation.handshake_error,
            "stopped": implementation.stopped,
            "traces": implementation.traces,
        },
        "generated": generated,
        **({} if run_id is None else {"run_id": run_id}),
        "page": {"title": catalogue.page, "source_url": catalogue.source_url},
        "conforms": outcome.conforms.value,
        "reasons": list(outcome.reasons),
        "accepted": outcome.accepted,
        "interpretations_policy": policy.value,
        "headline": {
            "documented_rules": _tally(documented),
            "interpretations": _tally(interpretations),
            "declared_readings": _tally(declared_readings),
        },
        "readings": {
            "summary": readings_headline(implementation.readings),
            "each": readings_summary(implementation.readings),
        },
        "totals": totals,
        "failure_summary": _failure_summary(results, catalogue),
        "rules": rules,
        "scenarios": [_scenario_json(r, implementation, known.get(r.nodeid), catalogue) for r in results],
        "suite_strength": None
        if strength is None
        else {k: strength[k] for k in ("caught", "shipped", "recorded_by")},
        "end_of_report": {"complete": complete, "scenarios": len(results)},
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` with every surrogate code point (a lone one can come from any JSON an adapter sends, and
    UTF-8 cannot hold it) written as its JSON escape, ``\\ud800``: inside a JSON string that is the same
    code point again; anywhere else it is visible text. Nothing else changes."""
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def write_temporary(path: Path, text: str) -> Path:
    """``text`` in a new file beside ``path`` (a hidden name that ends in .tmp), flushed to the disk, with
    the permissions a plain write would give; the caller renames it into place or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes it private; a report is as readable as any file
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one. (Files that belong together, like
    the three forms of a report, are written with retrykit.report_set.write_report_set.)"""
    temporary = write_temporary(path, text)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def report_json_text(report: Json) -> str:
    """The report as JSON text that UTF-8 can always hold: any string, a lone surrogate included, is
    kept (escaped as JSON escapes it), so the text is written whatever an adapter sent."""
    return encodable(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"


def load_report(path: Path, *, require_complete: bool = True) -> Json:
    """Read and validate a report.json; refuse a truncated or partial one, and one whose report.md or
    report.html beside it comes from another run (retrykit.report_set)."""
    from retrykit.report_set import check_siblings, settle  # report_set builds on this module

    settle(path.parent)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: not a whole JSON report ({error}); it may be truncated") from None
    try:
        validate("report", report)
    except SchemaViolation as violation:
        raise ReportError(
            f"{path}: not a conformance report: at {violation.path}: {violation.message}"
        ) from None
    if list(report)[-1] != "end_of_report":
        raise ReportError(f"{path}: the completeness marker is not the last entry; the file was altered")
    if require_complete and not report["end_of_report"]["complete"]:
        raise ReportError(f"{path}: the run that wrote this report was interrupted; it is partial")
    check_siblings(path, report)
    return report
