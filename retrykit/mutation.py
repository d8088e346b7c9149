"""How strong is the suite? Run it against every shipped mutant and count the ones it catches.

A mutant counts as caught when the run tells one story against it: a non-zero exit status, the verdict
"no", and the rule the mutant says it breaks failed in the rule table. A reading (another reading of a
point the page leaves open) counts as told apart when the run passes with "yes" and reports the
interpretation it differs on.
"""

from __future__ import annotations

import importlib
import json
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tabulate import tabulate

from retrykit import suite
from retrykit.paths import FEATURES
from retrykit.readme import with_block

STRENGTH_FILE = FEATURES / "suite-strength.json"
"""The suite's recorded mutation score, which every report quotes; tests/test_mutants.py keeps it current."""
RECORD_COMMAND = "retry-kit mutants --record"


@dataclass(frozen=True)
class MutantOutcome:
    name: str
    rule: str
    defect: str
    run_failed: bool
    judged_failures: int
    errors: int
    conforms: str
    rule_verdict: str
    headline: str = ""
    """The verdict and its reasons as report.md opens with them."""

    @property
    def caught(self) -> bool:
        return self.run_failed and self.conforms == "no" and self.rule_verdict == "failed"

    @property
    def told_apart(self) -> bool:
        """For a reading: the run passes, and names the interpretation it differs on."""
        return (
            not self.run_failed
            and self.conforms == "yes"
            and self.rule_verdict == "differs from interpretation"
        )


def shipped() -> ModuleType:
    return importlib.import_module("retrykit.adapters.mutants")


def mutant_command(name: str) -> list[str]:
    """The command line of one shipped mutant's adapter, runnable from any folder."""
    return [sys.executable, "-m", "retrykit.adapters.mutants", name]


def run_mutant(name: str, rule: str, defect: str, timeout: float = 300) -> MutantOutcome:
    with tempfile.TemporaryDirectory() as folder:
        headline_file = Path(folder) / "report.md"
        command = [
            sys.executable, "-m", "pytest", *suite.pytest_arguments(),
            "-q", "--adapter", shlex.join(mutant_command(name)), "--report-dir", folder,
        ]  # fmt: skip
        done = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
        )
        report = json.loads((Path(folder) / "report.json").read_text(encoding="utf-8"))
        headline = _headline(headline_file.read_text(encoding="utf-8"))
    bad = [s for s in report["scenarios"] if s["verdict"] in ("failed", "differs from interpretation")]
    errors = sum(s["verdict"] == "error" for s in report["scenarios"])
    verdict = next(r["verdict"] for r in report["rules"] if r["id"] == rule)
    return MutantOutcome(
        name, rule, defect, done.returncode != 0, len(bad), errors, report["conforms"], verdict, headline
    )


def _headline(markdown: str) -> str:
    """The verdict line of a report.md and the list of reasons under it."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Conforms to the page:"))
    end = next(i for i in range(start + 2, len(lines)) if not lines[i].startswith("- "))
    return "\n".join(lines[start:end])


HEADLINE_EXAMPLE = "default-count-2"
"""The mutant whose report headline the README quotes, from a real run, as an example of a verdict."""


def headline_markdown(outcomes: list[MutantOutcome]) -> str:
    outcome = next(o for o in outcomes if o.name == HEADLINE_EXAMPLE)
    command = f'pytest features --adapter "python adapters/mutants.py {outcome.name}"'
    quoted = "\n".join(f"> {line}" if line else ">" for line in outcome.headline.splitlines())
    return (
        f"For example, `{command}` ({outcome.defect}) exits with status 1, and its report.md opens with "
        f"(`{RECORD_COMMAND}` rewrites this from a real run):\n\n{quoted}\n"
    )


def run_all(jobs: int = 2, group: str = "MUTANTS") -> list[MutantOutcome]:
    """Run the suite against every member of one group of adapters/mutants.py: MUTANTS or READINGS."""
    mutants = list(getattr(shipped(), group).values())
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda m: run_mutant(m.name, m.rule, m.defect), mutants))


def score_markdown(outcomes: list[MutantOutcome]) -> str:
    caught = sum(o.caught for o in outcomes)
    per_rule: dict[str, list[MutantOutcome]] = {}
    for outcome in outcomes:
        per_rule.setdefault(outcome.rule, []).append(outcome)
    rows = [
        (rule, f"{sum(o.caught for o in group)}/{len(group)}", ", ".join(o.name for o in group))
        for rule, group in per_rule.items()
    ]
    table = tabulate(rows, headers=["rule", "caught", "mutants"], tablefmt="github")
    return f"Mutation score: **{caught}/{len(outcomes)}** shipped mutants caught.\n\n{table}\n"


def strength_json(outcomes: list[MutantOutcome]) -> str:
    """Only what a change to the suite or the mutants can move, so the record is stable between runs."""
    rules: dict[str, dict[str, Any]] = {}
    for outcome in sorted(outcomes, key=lambda o: (o.rule, o.name)):
        entry = rules.setdefault(outcome.rule, {"caught": 0, "shipped": 0, "mutants": []})
        entry["caught"] += outcome.caught
        entry["shipped"] += 1
        entry["mutants"].append(outcome.name)
    data = {
        "caught": sum(o.caught for o in outcomes),
        "shipped": len(outcomes),
        "recorded_by": RECORD_COMMAND,
        "rules": rules,
    }
    return json.dumps(data, indent=2) + "\n"


def strength_markdown(record: dict[str, Any]) -> str:
    """The recorded score as the README shows it."""
    rows = [
        (f"`{rule}`", f"{entry['caught']}/{entry['shipped']}", ", ".join(entry["mutants"]))
        for rule, entry in record["rules"].items()
    ]
    table = tabulate(rows, headers=["rule", "caught", "mutants"], tablefmt="github")
    return (
        f"Mutation score: **{record['caught']}/{record['shipped']}** shipped mutants caught "
        f"(`{record['recorded_by']}`).\n\n{table}\n"
    )


def readme_with_strength(readme: str, record: dict[str, Any]) -> str:
    """The README with its suite-strength block (between its two markers) rewritten from the record."""
    return with_block(readme, "suite-strength", strength_markdown(record))


def readme_with_headline(readme: str, outcomes: list[MutantOutcome]) -> str:
    """The README with its headline-example block rewritten from this run's report of the example mutant."""
    return with_block(readme, "headline-example", headline_markdown(outcomes))


def load_strength(path: Path = STRENGTH_FILE) -> dict[str, Any] | None:
    """The recorded score, or None when the kit was installed without it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def score_json(outcomes: list[MutantOutcome]) -> str:
    data = {
        "caught": sum(o.caught for o in outcomes),
        "shipped": len(outcomes),
        "mutants": [asdict(o) | {"caught": o.caught} for o in outcomes],
    }
    return json.dumps(data, indent=2) + "\n"
