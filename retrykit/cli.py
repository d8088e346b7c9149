"""``retry-kit``: the kit's command line. Every user error ends in one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tabulate import tabulate

from retrykit import mutation
from retrykit.catalogue import CatalogueError, load_catalogue
from retrykit.drift import compare
from retrykit.errors import KitUsageError
from retrykit.inventory import FeatureFileError, read_features
from retrykit.merge import build_matrix
from retrykit.page import PageFormatError, load_page
from retrykit.paths import CATALOGUE, FEATURES
from retrykit.render_html import render_matrix_html
from retrykit.render_md import render_matrix_markdown
from retrykit.report import ReportError, load_report, write_atomically

EXIT_DRIFT = 1
EXIT_USAGE = 2


def _spec_check(args: argparse.Namespace) -> int:
    report = compare(load_catalogue(args.catalogue), load_page(args.page))
    if args.json:
        print(
            json.dumps(
                {
                    "clean": report.clean,
                    "rules": [
                        {"id": d.rule.id, "state": d.state.value, "cited": d.rule.anchor, "now_at": d.now_at}
                        for d in report.rules
                    ],
                    "uncited_paragraphs": [
                        {"anchor": p.anchor, "fingerprint": p.fingerprint, "text": p.text}
                        for p in report.uncited
                    ],
                },
                indent=2,
            )
        )
        return 0 if report.clean else EXIT_DRIFT
    touched = [d for d in report.rules if d.state.value != "unchanged"]
    print(f"Checked {len(report.rules)} rules against {args.page}.")
    if touched:
        print("\nRules whose source paragraph changed, moved or vanished (review each):")
        rows = [
            (d.rule.id, d.rule.kind.value, d.state.value, d.rule.anchor, d.now_at or "-") for d in touched
        ]
        print(tabulate(rows, headers=["rule", "kind", "state", "cited", "now at"], tablefmt="github"))
    if report.uncited:
        print("\nParagraphs no rule cites (each may state behaviour the kit does not check yet):")
        rows = [
            (p.anchor, p.fingerprint, p.text if len(p.text) <= 100 else p.text[:97] + "...")
            for p in report.uncited
        ]
        print(tabulate(rows, headers=["paragraph", "fingerprint", "text"], tablefmt="github"))
    if report.clean:
        print("Every rule's source paragraph is unchanged and every paragraph is cited.")
    return 0 if report.clean else EXIT_DRIFT


def _rules(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.catalogue)
    scenarios = read_features(args.features)
    rows = []
    for rule in catalogue.rules:
        covering = [s for s in scenarios if rule.id in s.rule_ids]
        rows.append((rule.id, rule.kind.value, rule.anchor, len(covering), rule.statement))
    print(tabulate(rows, headers=["rule", "kind", "source", "scenarios", "statement"], tablefmt="github"))
    uncovered = [
        r[0] for r, rule in zip(rows, catalogue.rules, strict=True) if r[3] == 0 and rule.kind.checkable
    ]
    print(
        f"\n{len(catalogue.rules)} rules, {len(scenarios)} scenarios; checkable rules without a scenario: "
        f"{', '.join(uncovered) if uncovered else 'none'}"
    )
    return 0 if not uncovered else EXIT_DRIFT


def _merge(args: argparse.Namespace) -> int:
    reports = [load_report(path, require_complete=False) for path in args.reports]
    try:
        matrix = build_matrix(reports)
    except ValueError as error:
        raise KitUsageError(str(error)) from None
    write_atomically(args.out / "matrix.md", render_matrix_markdown(matrix))
    write_atomically(args.out / "matrix.html", render_matrix_html(matrix))
    flagged = sum(bool(r["ambiguity"]) for r in matrix["rules"])
    print(
        f"merged {len(reports)} reports into {args.out / 'matrix.md'} and matrix.html; "
        f"{flagged} rule(s) flagged"
    )
    return 0


def _mutants(args: argparse.Namespace) -> int:
    outcomes = mutation.run_all(args.jobs)
    write_atomically(args.out / "score.md", mutation.score_markdown(outcomes))
    write_atomically(args.out / "score.json", mutation.score_json(outcomes))
    rows = [
        (o.name, o.rule, "caught" if o.caught else "MISSED", o.judged_failures, o.defect) for o in outcomes
    ]
    print(
        tabulate(
            rows,
            headers=["mutant", "rule it breaks", "verdict", "failing scenarios", "defect"],
            tablefmt="github",
        )
    )
    caught = sum(o.caught for o in outcomes)
    print(f"\nmutation score: {caught}/{len(outcomes)}; written to {args.out / 'score.md'}")
    return 0 if caught == len(outcomes) else EXIT_DRIFT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retry-kit", description="Conformance kit for backup job retry behaviour."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    spec = commands.add_parser(
        "spec-check",
        help="compare the catalogue with a copy of the vendor page (for example a newer edition)",
        description="List the rules whose source paragraph changed, moved or vanished, and the paragraphs "
        "no rule "
        "cites. Exit code 0: nothing to review; 1: something to review.",
    )
    spec.add_argument("page", type=Path, help="a Markdown copy of the 'Job Retry' page")
    spec.add_argument(
        "--catalogue", type=Path, default=CATALOGUE, help="the rule catalogue (default: %(default)s)"
    )
    spec.add_argument("--json", action="store_true", help="print the comparison as JSON")
    spec.set_defaults(run=_spec_check)

    rules = commands.add_parser("rules", help="list the catalogue with how many scenarios cover each rule")
    rules.add_argument(
        "--catalogue", type=Path, default=CATALOGUE, help="the rule catalogue (default: %(default)s)"
    )
    rules.add_argument(
        "--features", type=Path, default=FEATURES, help="the feature folder (default: %(default)s)"
    )
    rules.set_defaults(run=_rules)

    merge = commands.add_parser(
        "merge",
        help="merge several report.json files into one matrix of rules x implementations",
        description="Writes matrix.md and matrix.html. A rule on which two or more implementations "
        "behave alike, and not as the reference does, is flagged as a possible ambiguity of the page.",
    )
    merge.add_argument(
        "reports", type=Path, nargs="+", metavar="REPORT", help="report.json files, one per implementation"
    )
    merge.add_argument(
        "--out", type=Path, default=Path("reports/matrix"), help="output folder (default: %(default)s)"
    )
    merge.set_defaults(run=_merge)

    mutants = commands.add_parser(
        "mutants",
        help="run the feature suite against every shipped mutant (adapters/mutants.py) and score it",
        description="A mutant is caught when the run fails with a failing scenario tagged with, or "
        "breaking, the rule the mutant names. Exit code 0 only when every mutant is caught.",
    )
    mutants.add_argument("--jobs", type=int, default=2, help="mutants run at once (default: %(default)s)")
    mutants.add_argument(
        "--out", type=Path, default=Path("reports/mutation"), help="folder (default: %(default)s)"
    )
    mutants.set_defaults(run=_mutants)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except (
        KitUsageError,
        CatalogueError,
        PageFormatError,
        FeatureFileError,
        ReportError,
        FileNotFoundError,
    ) as error:
        print(f"retry-kit {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
