"""How strong is the suite? Run it against every shipped mutant and count the ones it catches.

A mutant counts as caught when the feature run fails and one of its failing scenarios (failed or
differs, not a target error) cites or breaks the rule the mutant says it breaks.
"""

from __future__ import annotations

import importlib.util
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

from retrykit.paths import ROOT
from retrykit.readme import with_block

MUTANTS_FILE = ROOT / "adapters" / "mutants.py"
STRENGTH_FILE = ROOT / "features" / "suite-strength.json"
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
    tagged: bool

    @property
    def caught(self) -> bool:
        return self.run_failed and self.tagged


def shipped() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shipped_mutants", MUTANTS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_mutant(name: str, rule: str, defect: str, timeout: float = 300) -> MutantOutcome:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider",
            "--adapter", shlex.join([sys.executable, str(MUTANTS_FILE), name]), "--report-dir", folder,
        ]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
        report = json.loads((Path(folder) / "report.json").read_text(encoding="utf-8"))
    bad = [s for s in report["scenarios"] if s["verdict"] in ("failed", "differs from interpretation")]
    tagged = any(rule in s["rules"] or rule in {v["rule"] for v in s["violations"]} for s in bad)
    errors = sum(s["verdict"] == "error" for s in report["scenarios"])
    return MutantOutcome(name, rule, defect, done.returncode != 0, len(bad), errors, tagged)


def run_all(jobs: int = 2) -> list[MutantOutcome]:
    mutants = list(shipped().MUTANTS.values())
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
