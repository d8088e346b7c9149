"""What a user reads from the command line: help for every option of every command, a command's own usage
on its own mistakes, and nothing of the project's own workings (issue numbers) in any help text."""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from checkout import ROOT

from retrykit.cli import _parser, main

INTERNAL = re.compile(r"\bissues?\b|#\d", re.IGNORECASE)


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def _actions() -> Iterator[tuple[str, argparse.Action]]:
    parser = _parser()
    yield from (("retry-kit", a) for a in parser._actions if not isinstance(a, argparse._SubParsersAction))
    for name, command in _commands().items():
        yield from ((name, a) for a in command._actions)


def test_every_option_of_every_command_has_help() -> None:
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, a in _actions() if not a.help]
    assert missing == []
    (commands,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert all(choice.help for choice in commands._choices_actions)


def test_every_option_of_the_pytest_plugin_has_help() -> None:
    """Each option of the kit's group in ``pytest --help`` has text after it, on its line or the next."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    section = done.stdout.split("job retry conformance:\n")[1].split("\n\n")[0]
    entries = re.split(r"^  (?=--)", section, flags=re.MULTILINE)[1:]
    assert len(entries) >= 9
    bare = [e.split()[0] for e in entries if len(e.split()) < 2]
    assert bare == []


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["merge", "--bogus", "report.json"], "usage: retry-kit merge"),
        (["new-adapter", "folder"], "usage: retry-kit new-adapter"),
        (["explore", "--examples", "0"], "usage: retry-kit explore"),
    ],
    ids=["unknown option", "missing option", "bad value"],
)
def test_a_commands_mistake_shows_its_own_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    assert capsys.readouterr().err.startswith(usage)


def test_no_help_text_speaks_of_the_projects_issues(capsys: pytest.CaptureFixture[str]) -> None:
    texts = {}
    for argv in ([], *([name] for name in _commands())):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        texts[" ".join(["retry-kit", *argv])] = capsys.readouterr().out
    benchmarks = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    texts["benchmarks/run.py"] = benchmarks.stdout
    assert len(texts) > 10 and all("usage:" in text for text in texts.values())
    found = {where: INTERNAL.findall(text) for where, text in texts.items() if INTERNAL.search(text)}
    assert found == {}


def test_rules_says_which_count_counts_what(capsys: pytest.CaptureFixture[str]) -> None:
    """An outline is one scenario and one run per example: both counts, each header saying which."""
    main(["rules"])
    lines = capsys.readouterr().out.splitlines()
    header = [c.strip() for c in lines[0].split("|")]
    scenarios, runs = header.index("scenarios (an outline once)"), header.index("runs (each outline example)")
    row = [
        c.strip() for c in next(line for line in lines if line.startswith("| JR.COUNT.CUSTOM ")).split("|")
    ]
    assert 0 < int(row[scenarios]) < int(row[runs])


def _imported(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``code``."""
    check = f"import sys\n{code}\nprint(*[m for m in {modules!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_version_is_looked_up_only_when_read(capsys: pytest.CaptureFixture[str]) -> None:
    """importlib.metadata costs some 20 ms of every start: ``import retrykit`` leaves it to whoever reads
    ``__version__``, which still says what the installed distribution does."""
    assert _imported("import retrykit", ("importlib.metadata",)) == []
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"retry-kit {importlib.metadata.version('job-retry-conformance-kit')}\n"


def test_the_command_line_starts_without_pytest() -> None:
    """exhaust, explore and combine start without the suite's machinery (export imports it, for export)."""
    assert _imported("import retrykit.cli", ("pytest", "pytest_bdd", "retrykit.export")) == []
