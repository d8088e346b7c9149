"""``retry-kit``: the kit's command line. Every user error ends in one line on stderr and exit code 2.

A module that one command uses, and the parser and main do not, is imported in that command, so the
others do not pay for it at start-up (export alone brings pytest and the suite's steps: some 55 ms). The
parser's argument types come from exhaust, which brings what exhaust, explore and combine share.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from retrykit import (
    __version__,
    combine,
    exhaust,
    explore,
    mutation,
    naming,
    samples,
    shards,
    space,
    starters,
    suite,
)
from retrykit.adapter import DEFAULT_TIMEOUT
from retrykit.catalogue import CatalogueError, load_catalogue
from retrykit.codec import scenario_to_json
from retrykit.errors import KitUsageError
from retrykit.gherkin import feature_gherkin
from retrykit.inventory import FeatureFileError, read_features
from retrykit.page import PageFormatError
from retrykit.paths import ADAPTERS, CATALOGUE, FEATURES, reports_folder
from retrykit.readings import bind, load_readings, parse_options
from retrykit.render_html import render_html, render_matrix_html
from retrykit.render_md import render_markdown, render_matrix_markdown
from retrykit.report import (
    Implementation,
    ReportError,
    build_report,
    report_json_text,
    write_atomically,
)
from retrykit.results import Conforms
from retrykit.targets import adapter_command
from retrykit.text import printable

EXIT_DRIFT = 1
EXIT_USAGE = 2
EXPLORE_MOST = {"examples": 100_000, "max_vms": 50, "max_sessions": 20}
"""The largest value of explore's options: past these one search runs for hours."""
LONGEST_TIMEOUT = 3600.0
"""The longest --adapter-timeout, in seconds."""
MOST_MUTANT_JOBS = 16
MOST_JOBS = 64


def _spec_check(args: argparse.Namespace) -> int:
    from retrykit.drift import DriftReport, compare, render_json, render_text
    from retrykit.page import load_page
    from retrykit.related_drift import compare_related, render_related_json
    from retrykit.related_pages import load_related

    if args.page is None and args.related is None:
        raise KitUsageError("spec-check needs a copy of the Job Retry page, or --related COPY, or both")
    catalogue = load_catalogue(args.catalogue)
    page = None
    if args.page is not None:
        page = compare(catalogue, load_page(args.page), load_page(args.old) if args.old else None)
    related: tuple[DriftReport, ...] = ()
    if args.related is not None:
        related = compare_related(catalogue, load_related(args.related), str(args.related))
    reports = (*([page] if page else []), *related)
    if args.json:
        text = render_related_json(page, related) if args.related else render_json(reports[0])
    else:
        text = "\n".join(render_text(report) for report in reports)
    clean = all(report.clean for report in reports)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`| head`): send what is still buffered nowhere, so exit is quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if clean else EXIT_DRIFT


def _rules(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.catalogue)
    scenarios = read_features(args.features)
    rows = []
    for rule in catalogue.rules:
        covering = [s for s in scenarios if rule.id in s.rule_ids]
        runs = sum(s.runs for s in covering)
        rows.append((rule.id, rule.kind.value, rule.anchor, len(covering), runs, rule.statement))
    headers = [
        "rule",
        "kind",
        "source",
        "scenarios (an outline once)",
        "runs (each outline example)",
        "statement",
    ]
    print(tabulate(rows, headers=headers, tablefmt="github"))
    uncovered = [
        r[0] for r, rule in zip(rows, catalogue.rules, strict=True) if r[3] == 0 and rule.kind.checkable
    ]
    print(
        f"\n{len(catalogue.rules)} rules, {len(scenarios)} scenarios "
        f"({sum(s.runs for s in scenarios)} runs, one per example of an outline); "
        "checkable rules without a scenario: "
        f"{', '.join(uncovered) if uncovered else 'none'}"
    )
    return 0 if not uncovered else EXIT_DRIFT


def _readings(_args: argparse.Namespace) -> int:
    rows = [
        (
            reading.name,
            reading.rule,
            f"{a.value}{' (default)' if a.value == reading.default else ''}",
            a.statement,
        )
        for reading in load_readings()
        for a in reading.alternatives
    ]
    print(tabulate(rows, headers=["reading", "rule", "alternative", "what it says"], tablefmt="github"))
    print(
        "\nA target declares the alternatives it follows in its hello; a user passes --reading NAME=VALUE "
        "to run, explore and exhaust. The reasons and sources of each are in the catalogue's [[reading]]."
    )
    return 0


def _seen_from(folder: Path, target: Path) -> str:
    """``target`` as a relative link from a file in ``folder``."""
    return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()


def _merge(args: argparse.Namespace) -> int:
    from retrykit.merge import build_matrix, load_reports

    reports = load_reports(args.reports)
    try:
        matrix = build_matrix(reports, [_seen_from(args.out, path.parent) for path in args.reports])
    except ValueError as error:
        raise KitUsageError(str(error)) from None
    for warning in matrix["warnings"]:
        print(f"retry-kit merge: warning: {printable(warning)}", file=sys.stderr)
    write_atomically(args.out / "matrix.md", render_matrix_markdown(matrix))
    write_atomically(args.out / "matrix.html", render_matrix_html(matrix))
    flagged = sum(bool(r["ambiguity"]) for r in matrix["rules"])
    print(
        f"merged {len(reports)} reports into {args.out / 'matrix.md'} and matrix.html; "
        f"{flagged} rule(s) flagged"
        + (f"; {len(matrix['warnings'])} warning(s)" if matrix["warnings"] else "")
    )
    return 0


def _samples(args: argparse.Namespace) -> int:
    written = samples.write_samples(args.out)
    print(f"wrote {len(written)} files of {len(samples.SAMPLES)} sample reports to {args.out}")
    return 0


def _new_adapter(args: argparse.Namespace) -> int:
    name = args.name or starters.default_name(args.folder)
    starter = starters.write_starter(args.lang, args.folder, name)
    print(f"wrote a {args.lang} adapter named {name}: {', '.join(str(p) for p in starter.files)}")
    print(
        f"it answers 'skipped' until you complete the place marked '{starters.MARK_START}' in "
        f"{starter.main}; the comment at its top says how to build, run and judge it"
    )
    return 0


def _adapters(args: argparse.Namespace) -> int:
    rows = [
        ("reference", shlex.join([sys.executable, "-m", "retrykit.adapters.reference_adapter"])),
        ("node-example", shlex.join(["node", str(ADAPTERS / "node" / "adapter.mjs")])),
    ]
    mutants = mutation.shipped()
    rows += [(name, shlex.join(mutation.mutant_command(name))) for name in mutants.MUTANTS | mutants.READINGS]
    print(tabulate(rows, headers=["adapter", "--adapter COMMAND"], tablefmt="plain"))
    return 0


def _mutants(args: argparse.Namespace) -> int:
    outcomes = mutation.run_all(args.jobs)
    write_atomically(args.out / "score.md", mutation.score_markdown(outcomes))
    write_atomically(args.out / "score.json", mutation.score_json(outcomes))
    if args.record:
        record = mutation.strength_json(outcomes)
        write_atomically(mutation.STRENGTH_FILE, record)
        readme = args.readme
        text = mutation.readme_with_strength(readme.read_text(encoding="utf-8"), json.loads(record))
        write_atomically(readme, mutation.readme_with_headline(text, outcomes))
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


def _explore(args: argparse.Namespace) -> int:
    adapter_command(args.adapter, args.adapter_timeout)  # a typo is refused before any worker starts
    if args.examples < args.shard.count * args.jobs:
        raise KitUsageError(f"--examples {args.examples} is fewer than one per shard and job")
    readings = _reading_arguments(args.reading)
    seed = None if args.ci else args.seed
    search = combine.Search(
        args.adapter,
        args.adapter_timeout,
        args.examples,
        seed,
        args.include_interpretations,
        args.max_vms,
        args.max_sessions,
        tuple(args.reading),
    )
    state, implementation = combine.search_shard(search, args.shard, args.jobs)
    searched = ["--ci"] if args.ci else ["--seed", str(args.seed)]
    adapter = ["--adapter", args.adapter] if args.adapter else []
    command = shlex.join(
        ["retry-kit", "explore", "--examples", str(args.examples), *searched, *readings, *adapter]
    )
    sharded = args.shard != space.WHOLE
    rerun = (
        command
        + (f" --shard {args.shard}" if sharded else "")
        + (f" -j {args.jobs}" if args.jobs > 1 else "")
    )
    described = {
        k: getattr(args, k) for k in ("examples", "max_vms", "max_sessions", "include_interpretations")
    }
    described |= {"seed": seed, "readings": readings}
    run = shards.new_run("explore", args.run_id, args.shard, implementation, described, command)
    name = implementation.name
    folder = args.out or reports_folder() / naming.file_name(name) / (
        f"explore-shards/{args.shard.index}-of-{args.shard.count}" if sharded else "explore"
    )
    seed_text = "derandomised (--ci)" if args.ci else f"seed {args.seed}"
    part = f", shard {args.shard} of run {run.id}" if sharded else ""
    title = f"explored {state.examples} scenarios against {printable(name)} ({seed_text}{part})"
    return _exploration_outcome(state, folder, implementation, rerun, run, title)


def _exploration_outcome(
    state: explore.Exploration,
    folder: Path,
    implementation: Implementation,
    rerun: str,
    run: shards.Run,
    title: str,
    problems: Sequence[str] = (),
) -> int:
    """Write summary.json (what a shard needs to be combined) and, for a finding, its reproducer and
    report; print the verdict. Exit 0 only when the search conforms and nothing is missing."""
    summary = {
        "implementation": implementation.name,
        "rerun": rerun,
        "complete": not problems,
        "problems": list(problems),
        "run": shards.run_json(run),
        "search": shards.exploration_json(state),
    }
    write_atomically(folder / "summary.json", json.dumps(summary, indent=2) + "\n")
    print(f"{title}; {state.not_applicable} not applicable (capabilities not declared)")
    conforms, reasons = state.verdict(run.bound["include_interpretations"])
    reasons += problems
    print(f"conforms: {conforms.value}" + "".join(f"\n  - {printable(r)}" for r in reasons))
    if state.finding is None:
        return 0 if conforms is Conforms.YES and not problems else EXIT_DRIFT
    finding = state.finding
    catalogue = bind(load_catalogue(), implementation.readings)
    gherkin = feature_gherkin(
        finding.scenario,
        "Minimal reproducer found by exploration",
        explore.rule_tags(finding, catalogue),
        comment=f"Found by: {rerun}\n{finding.summary()}",
    )
    write_atomically(folder / "reproducer.feature", gherkin)
    write_atomically(
        folder / "reproducer.json", json.dumps(scenario_to_json(finding.scenario), indent=2) + "\n"
    )
    result = explore.finding_result(finding, gherkin, rerun)
    report = build_report(
        [result],
        catalogue,
        implementation,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=not problems,
    )
    report["reasons"] += problems
    write_atomically(folder / "report.md", render_markdown(report))
    write_atomically(folder / "report.html", render_html(report))
    write_atomically(folder / "report.json", report_json_text(report))
    print(f"verdict: {finding.verdict.value}\n{printable(finding.summary())}\n\n{gherkin}")
    print(
        f"reproducer: {folder / 'reproducer.feature'} (scenario JSON beside it); "
        f"report: {folder / 'report.md'}"
    )
    return EXIT_DRIFT


def _exhaust(args: argparse.Namespace) -> int:
    bound = space.Bound(
        max_vms=args.max_vms,
        max_sessions=args.max_sessions,
        retries=space.retry_settings(args.retries),
        max_injections=args.max_injections,
    )
    adapter_command(args.adapter, args.adapter_timeout)  # a typo is refused before any worker starts
    readings = _reading_arguments(args.reading)
    task = exhaust.Task(
        args.adapter, args.adapter_timeout, bound, args.include_interpretations, tuple(args.reading)
    )
    result, implementation = exhaust.judge(task, args.shard, args.jobs, exhaust.terminal_progress())
    widths = [f"--{k.replace('_', '-')}={getattr(args, k)}" for k in exhaust.WIDEST]
    interpretations = ["--include-interpretations"] if args.include_interpretations else []
    adapter = ["--adapter", args.adapter] if args.adapter else []
    command = shlex.join(["retry-kit", "exhaust", *widths, *interpretations, *readings, *adapter])
    described = shards.bound_json(bound) | {
        "include_interpretations": args.include_interpretations,
        "scenarios": result.space if args.shard == space.WHOLE else space.size(bound),
        "readings": readings,
    }
    run = shards.new_run("exhaust", args.run_id, args.shard, implementation, described, command)
    sharded = args.shard != space.WHOLE
    folder = args.out or reports_folder() / "exhaust" / (
        f"{naming.file_name(implementation.name)}-shards/{args.shard.index}-of-{args.shard.count}"
        if sharded
        else naming.file_name(implementation.name)
    )
    rerun = f"{command} --shard {args.shard}" if sharded else command
    exhaust.write(result, folder, load_catalogue(), implementation, rerun, run)
    part = f" (shard {args.shard} of run {run.id})" if sharded else ""
    return _exhaust_outcome(result, folder, f"exhaust against {implementation.name!r}{part}")


def _exhaust_outcome(
    result: exhaust.Exhaustion, folder: Path, title: str, problems: Sequence[str] = ()
) -> int:
    """What was found, in a few lines; exit 0 only for a complete result with nothing found."""
    print(f"{printable(title)}: {exhaust.summary_line(result)}; {result.skipped:,} skipped")
    if result.interpretation_differences:
        print(f"{result.interpretation_differences:,} differ only on the kit's interpretations (not counted)")
    for group in result.groups:
        smallest = exhaust.weight(group.smallest.scenario)
        print(
            f"{group.smallest.verdict.value}: {group.key}, {group.count:,} scenario(s); smallest "
            f"({smallest[0]} VM(s), {smallest[1]} session(s)): {folder / naming.file_name(group.key)}"
        )
    for problem in problems:
        print(f"incomplete: {printable(problem)}")
    if result.judged == 0:
        print("no scenario could be judged")
        return EXIT_DRIFT
    if not result.groups and not problems:
        print(f"verdict: passed, no scenario within the bound broke a rule; see {folder / 'summary.json'}")
        return 0
    print(f"report: {folder / ('report.md' if result.groups else 'summary.json')}")
    return EXIT_DRIFT


def _combine(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    joined = combine.combine(args.folders)
    run = joined.run
    shards_present = ", ".join(str(p.run.shard) for p in joined.parts)
    if run.kind == "explore":
        state, rerun = combine.exploration(joined)
        folder = args.out or reports_folder() / naming.file_name(run.adapter.name) / "explore"
        print(f"combined shards {shards_present} of run {run.id} in {time.perf_counter() - started:.2f} s")
        title = f"explored {state.examples} scenarios against {printable(run.adapter.name)}"
        return _exploration_outcome(state, folder, run.adapter, rerun, run, title, joined.problems)
    result = combine.exhaustion(joined)
    folder = args.out or reports_folder() / "exhaust" / naming.file_name(run.adapter.name)
    exhaust.write(result, folder, load_catalogue(), run.adapter, run.command, run, joined.problems)
    print(
        f"combined shards {shards_present} of run {run.id} in {time.perf_counter() - started:.2f} s "
        f"(the shards ran {result.seconds:.1f} s)"
    )
    title = f"exhaust against {run.adapter.name!r} ({'complete' if not joined.problems else 'INCOMPLETE'})"
    return _exhaust_outcome(result, folder, title, joined.problems)


def _export(args: argparse.Namespace) -> int:
    from retrykit import export

    exported = export.collect(args.features)
    removed = export.write(exported, args.out)
    print(
        f"exported {len(exported)} scenarios to {args.out} (one <id>.json each, and {export.INDEX})"
        + (f"; removed {removed} stale scenario file(s) of an earlier export" if removed else "")
    )
    print(
        "record one trace per scenario under the same file name, then: pytest features --traces TRACES "
        "(docs/adapter-guide.md, 'Driving a real product: record and replay')"
    )
    return 0


def _check_adapter(args: argparse.Namespace) -> int:
    from retrykit import check_adapter

    command = adapter_command(args.command_line, args.adapter_timeout)
    assert command is not None
    checks = check_adapter.check(command, args.adapter_timeout)
    sys.stdout.write(check_adapter.render(args.command_line, checks))
    return 0 if check_adapter.accepted(checks) else EXIT_DRIFT


def _shard_argument(text: str) -> space.Shard:
    try:
        return space.Shard.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _reading_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--reading",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="judge the target under this alternative of a reading the page leaves open, as if its adapter "
        "declared it (repeatable; see retry-kit readings); it binds: a target that does otherwise fails",
    )


def _reading_arguments(options: Sequence[str]) -> list[str]:
    """The ``--reading`` options as a rerun gives them; refused with one line when malformed."""
    return [f"--reading={name}={value}" for name, value in parse_options(options).items()]


def _shard_options(command: argparse.ArgumentParser, split: str) -> None:
    command.add_argument(
        "--shard",
        type=_shard_argument,
        default=space.WHOLE,
        metavar="K/N",
        help=f"run part K of N of {split}; N runs together (anywhere) do the whole run once; join their "
        "output folders with retry-kit combine (default: the whole run)",
    )
    command.add_argument(
        "-j",
        "--jobs",
        type=exhaust.count_argument(MOST_JOBS),
        default=1,
        metavar="N",
        help=f"run as N shards at once on this machine, one process and adapter each, with one report "
        f"(1..{MOST_JOBS}; default: %(default)s)",
    )
    command.add_argument(
        "--run-id",
        metavar="ID",
        help="names the run the shards belong to, so combine never mixes runs (default: derived from the "
        "bound, N and the adapter command, so shards started separately agree)",
    )


def _seconds(text: str) -> float:
    """An argparse type for --adapter-timeout: more than 0, at most LONGEST_TIMEOUT seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= LONGEST_TIMEOUT:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {LONGEST_TIMEOUT:g} seconds, got {text}"
        )
    return value


def _timeout_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--adapter-timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long the adapter may take to start or to answer one run before it is given an error, "
        f"at most {LONGEST_TIMEOUT:g} (default: %(default)s)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retry-kit", description="Conformance kit for backup job retry behaviour."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the feature suite against a target and write the report (a thin shell over pytest)",
        description="Runs the installed feature suite with pytest from any folder and writes the report "
        "to reports/<implementation>/ there. Every argument after 'run' goes to pytest: the kit's options "
        "(--adapter COMMAND, --traces DIR, --report-dir DIR, --interpretations, --repeat N, see "
        "'pytest --help') and pytest's own (-n 2, -k TEXT, --junitxml FILE). Exit code 0 only when the "
        "verdict is accepted.",
        add_help=False,
    )
    run.add_argument("-h", "--help", action="help", help="show this help and exit")

    shipped = commands.add_parser(
        "adapters",
        help="print the command lines of the adapters shipped with the kit",
        description="The reference engine's adapter, the Node.js example and each shipped wrong "
        "implementation (mutant), as command lines to pass to --adapter; they run from any folder.",
    )
    shipped.set_defaults(run=_adapters)

    spec = commands.add_parser(
        "spec-check",
        help="compare the catalogue with a copy of the vendor page (for example a newer edition)",
        description="Match the paragraphs the catalogue cites to the page's by their text; list those that "
        "changed, moved or vanished, with their rules, and the new paragraphs no rule cites. Exit code 0: "
        "nothing to review; 1: something to review; 2: bad input (for example not the 'Job Retry' page).",
    )
    spec.add_argument("page", type=Path, nargs="?", help="a Markdown copy of the 'Job Retry' page")
    spec.add_argument(
        "--related",
        type=Path,
        metavar="COPY",
        help="also check the rules from Veeam's related pages against a copy of their excerpts, each "
        "quoted in '>' lines and followed by 'Source: <title>, <https address>' (as related-pages.md)",
    )
    spec.add_argument(
        "--old",
        type=Path,
        metavar="PAGE",
        help="the edition the catalogue cites: changed paragraphs are then matched by their words and "
        "shown as word diffs (default: none; changed paragraphs are paired by position, new text shown)",
    )
    spec.add_argument(
        "--catalogue", type=Path, default=CATALOGUE, help="the rule catalogue (default: %(default)s)"
    )
    spec.add_argument("--json", action="store_true", help="print the comparison as JSON")
    spec.set_defaults(run=_spec_check)

    commands.add_parser(
        "readings", help="list the readings of the points the page leaves open, and their alternatives"
    ).set_defaults(run=_readings)
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
        "behave alike, and not as the reference does, is flagged as a possible ambiguity of the page. "
        "Reports from different rule catalogues (other kit versions) are merged over the union of their "
        "rules, with a warning; reports with the same trace for every scenario are taken for copies of "
        "one run and count once towards an ambiguity, with a warning.",
    )
    merge.add_argument(
        "reports", type=Path, nargs="+", metavar="REPORT", help="report.json files, one per implementation"
    )
    merge.add_argument(
        "--out", type=Path, default=Path("reports/matrix"), help="output folder (default: %(default)s)"
    )
    merge.set_defaults(run=_merge)

    sample = commands.add_parser(
        "samples",
        help="write the sample reports reviewers read: the reference engine's and a shipped mutant's",
        description="Runs the feature suite against the reference engine and against the default-count-2 "
        "mutant and writes each report (report.json, .md, .html) to its own folder, with the time, run id, "
        "durations and the run's folders made fixed, so the samples change only when the kit does.",
    )
    sample.add_argument(
        "--out",
        type=Path,
        default=Path(samples.SHOWN_FOLDER),
        metavar="DIR",
        help="the folder to write them to (default: %(default)s)",
    )
    sample.set_defaults(run=_samples)

    starter = commands.add_parser(
        "new-adapter",
        help="write a starter adapter in Python, Node.js, Go or Java that you complete to call your product",
        description="Writes a minimal adapter that speaks the whole protocol (handshake, run, skipped, "
        "error, shutdown) and answers 'skipped' until you complete the one marked place where it calls your "
        "product. It declares no capability, so a run judges nothing (conforms: not established) until you "
        "declare what it handles. The comment at its top says how to build, run and judge it. Exit code 0: "
        "written; 2: the folder exists and is not empty, or the name cannot name an adapter.",
    )
    starter.add_argument("--lang", required=True, choices=starters.LANGUAGES, help="the starter's language")
    starter.add_argument("folder", type=Path, metavar="DIR", help="a new or empty folder")
    starter.add_argument("--name", help="the adapter's name in its hello (default: the folder's name)")
    starter.set_defaults(run=_new_adapter)

    mutants = commands.add_parser(
        "mutants",
        help="run the feature suite against every shipped mutant (adapters/mutants.py) and score it",
        description="A mutant is caught when the run fails with a failing scenario tagged with, or "
        "breaking, the rule the mutant names. Exit code 0 only when every mutant is caught.",
    )
    mutants.add_argument(
        "--jobs",
        type=exhaust.count_argument(MOST_MUTANT_JOBS),
        default=2,
        metavar="N",
        help=f"mutants run at once, 1..{MOST_MUTANT_JOBS} (default: %(default)s)",
    )
    mutants.add_argument(
        "--out",
        type=Path,
        default=Path("reports/mutation"),
        help="folder for score.md and score.json (default: %(default)s)",
    )
    mutants.add_argument(
        "--readme",
        type=Path,
        default=Path("README.md"),
        help="the README whose suite-strength and headline blocks --record rewrites (default: %(default)s)",
    )
    mutants.add_argument(
        "--record",
        action="store_true",
        help="also record the score in features/suite-strength.json, which every report quotes, "
        "and in the README",
    )
    mutants.set_defaults(run=_mutants)

    search = commands.add_parser(
        "explore",
        help="search generated scenarios for one the target gets wrong; write a minimal Gherkin reproducer",
        description="Runs up to N generated scenarios against the target. A broken documented rule, an "
        "unexplained difference from the reference engine or a target error ends the search; the failing "
        "scenario is shrunk "
        "and written as reproducer.feature and reproducer.json. Exit code 0: nothing found; 1: found.",
    )
    search.add_argument(
        "--adapter", metavar="COMMAND", help="the adapter's command line (default: the reference)"
    )
    _timeout_option(search)
    search.add_argument(
        "--examples",
        type=exhaust.count_argument(EXPLORE_MOST["examples"]),
        default=200,
        metavar="N",
        help=f"scenarios to try, 1..{EXPLORE_MOST['examples']:,} (default: %(default)s)",
    )
    search.add_argument(
        "--seed", type=int, default=0, metavar="N", help="search seed, for a reproducible run (default: 0)"
    )
    search.add_argument("--ci", action="store_true", help="derandomised search: the same scenarios every run")
    search.add_argument(
        "--include-interpretations", action="store_true", help="also stop at differences on interpretations"
    )
    _reading_option(search)
    search.add_argument(
        "--max-vms",
        type=exhaust.count_argument(EXPLORE_MOST["max_vms"]),
        default=6,
        metavar="N",
        help=f"largest job to generate, 1..{EXPLORE_MOST['max_vms']} VMs (default: %(default)s)",
    )
    search.add_argument(
        "--max-sessions",
        type=exhaust.count_argument(EXPLORE_MOST["max_sessions"]),
        default=4,
        metavar="N",
        help=f"most sessions per scenario, 1..{EXPLORE_MOST['max_sessions']} (default: %(default)s)",
    )
    search.add_argument(
        "--out",
        type=Path,
        help="folder for the summary, reproducer and report (default: reports/<name>/explore, "
        "or reports/<name>/explore-shards/K-of-N for a shard)",
    )
    _shard_options(
        search,
        "the search: shard K tries its share of --examples with a seed derived from --seed (or --ci) and K/N",
    )
    search.set_defaults(run=_explore)

    every = commands.add_parser(
        "exhaust",
        help="judge every scenario within a small bound; write the smallest failure per broken rule",
        description="Enumerates every distinct scenario within the bound (retrykit.space: live injections "
        "only, one VM order where order is unobservable) and judges each as explore does. Failures are "
        "grouped by the rule they break; each group's smallest scenario is written as <rule>/reproducer."
        "feature and .json, with report.md/.html/.json and summary.json. "
        "Exit code 0: nothing found; 1: found (or nothing could be judged); 2: bad usage.",
    )
    every.add_argument(
        "--adapter", metavar="COMMAND", help="the adapter's command line (default: the reference)"
    )
    _timeout_option(every)
    for option, default, what in (
        ("max_vms", space.DEFAULT.max_vms, "largest job"),
        ("max_sessions", space.DEFAULT.max_sessions, "most sessions per scenario"),
        ("retries", space.CUSTOM_RETRIES, "largest custom retry count, besides the default and retry off"),
        ("max_injections", space.DEFAULT.max_injections, "most outcomes, stops, job-level errors injected"),
    ):
        every.add_argument(
            f"--{option.replace('_', '-')}",
            type=exhaust.count_argument(exhaust.WIDEST[option]),
            default=default,
            metavar="N",
            help=f"{what}, 1..{exhaust.WIDEST[option]} (default: %(default)s)",
        )
    every.add_argument(
        "--include-interpretations", action="store_true", help="also group differences on interpretations"
    )
    _reading_option(every)
    every.add_argument(
        "--out",
        type=Path,
        help="output folder (default: reports/exhaust/<target name>, or "
        "reports/exhaust/<target name>-shards/K-of-N for a shard)",
    )
    _shard_options(every, "the space: shard K judges the scenarios at positions p with p mod N = K-1")
    every.set_defaults(run=_exhaust)

    join = commands.add_parser(
        "combine",
        help="join the output folders of the shards of one exhaust or explore run into one result",
        description="Reads each folder's summary.json and writes what one unsharded run would have "
        "written (summary.json, reproducers, report). Complete only when every shard 1..N of one run is "
        "there once and all agree on kit, catalogue, adapter and bound; a missing, duplicated or foreign "
        "shard is named and the result marked incomplete. Exit code 0: complete and nothing found; "
        "1: found, or incomplete; 2: bad usage.",
    )
    join.add_argument("folders", type=Path, nargs="+", metavar="DIR", help="the shards' output folders")
    join.add_argument(
        "--out",
        type=Path,
        help="output folder (default: where an unsharded run writes: reports/exhaust/<target name> or "
        "reports/<target name>/explore)",
    )
    join.set_defaults(run=_combine)

    record = commands.add_parser(
        "export",
        help="write every scenario of the suite as JSON, to run on a real product and replay with --traces",
        description="Writes <id>.json per scenario (schemas/scenario.schema.json) and index.json (id -> "
        "feature, title, rules, capabilities needed). An ID is the feature and title as a slug, then a hash "
        "of the scenario: reordering the suite keeps it, changing the scenario changes it. Record one trace "
        "per scenario under the same name and judge them with: pytest features --traces DIR.",
    )
    record.add_argument("out", type=Path, metavar="DIR", help="the folder to write the scenarios to")
    record.add_argument(
        "--features", type=Path, default=FEATURES, help="the feature folder (default: %(default)s)"
    )
    record.set_defaults(run=_export)

    probe = commands.add_parser(
        "check-adapter",
        help="check an adapter in seconds: handshake, a plain run, a run with a failure, shutdown",
        description="Starts the adapter, checks its hello against the schema, sends a run where nothing "
        "fails and one where a VM fails the initial run, compares both answers with the reference engine, "
        "and shuts it down. Prints a checklist with the fix for what did not pass. Exit code 0: all checks "
        "passed; 1: one did not; 2: bad usage.",
    )
    probe.add_argument(
        "command_line", metavar="COMMAND", help='the adapter\'s command line, e.g. "node a.mjs"'
    )
    _timeout_option(probe)
    probe.set_defaults(run=_check_adapter)
    for command in commands.choices.values():
        command.set_defaults(usage=command)  # a command's own mistakes are shown with its own usage
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["run"] and given[1:2] not in (["-h"], ["--help"]):
        suite.run(given[1:])  # every argument is pytest's: argparse would reorder them
    args, unknown = _parser().parse_known_args(given)
    if unknown:
        args.usage.error(f"unrecognized arguments: {' '.join(unknown)}")
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
        print(f"retry-kit {args.command}: {printable(error)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader stopped early (`| head`): send what is still buffered nowhere, so exit is quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_DRIFT
    except OSError as error:  # a file or folder the user named cannot be read or written
        where = f"{error.filename}: " if error.filename is not None else ""
        print(f"retry-kit {args.command}: {printable(where)}{error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
