"""The pytest plugin that turns ``features/`` into a conformance run against one target.

Installed through the ``pytest11`` entry point (pyproject.toml), as pytest-bdd installs its own.

It registers the steps, maps ``@JR.*`` tags to rule markers, picks the target,
and, after the last step of every scenario, raises what its soft ``Then`` claims and
the catalogue's oracles found, so no scenario can pass while its trace breaks a rule.
The report itself is written by steps/reporting.py.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import parser as bdd

from retrykit.adapter import DEFAULT_MAX_FAILURES, DEFAULT_TIMEOUT, AdapterTarget
from retrykit.drivers import Target
from retrykit.errors import KitUsageError
from retrykit.inventory import INTERPRETATION_TAG, RULE_TAG_PREFIX
from retrykit.prefetch import Mode
from retrykit.readings import READING_TAG_PREFIX, active, bind, declared, parse_options, scenario_mismatch
from retrykit.reference.readings import Readings
from retrykit.report import Implementation
from retrykit.results import InterpretationPolicy
from retrykit.steps.draft import ScenarioDraft
from retrykit.steps.given import *  # noqa: F403  (pytest-bdd finds steps as fixtures of this plugin module)
from retrykit.steps.given_related import *  # noqa: F403
from retrykit.steps.reporting import COLLECTOR, IMPLEMENTATION
from retrykit.steps.then import *  # noqa: F403
from retrykit.steps.then_related import *  # noqa: F403
from retrykit.steps.when import *  # noqa: F403
from retrykit.steps.when import MISSING_KEY, RUN_KEY
from retrykit.targets import check_choice, open_target
from retrykit.verdicts import ClaimLog, ScenarioFindings

MARKERS = (
    "rule(rule_id): the catalogue rule a scenario checks (from its @JR.* tag)",
    "interpretation: the scenario's expectations rest on the kit's reading where the page is silent",
    "reading(name, value): the scenario is written for that alternative of a reading (@reading:NAME=VALUE)",
)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    _usage(config)


@pytest.hookimpl(tryfirst=True)  # before pytest-bdd's own, which would make an unregistered marker of the tag
def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> bool | None:
    if ("@" + tag).startswith(RULE_TAG_PREFIX):
        pytest.mark.rule(tag)(function)
        return True
    if "@" + tag == INTERPRETATION_TAG:
        pytest.mark.interpretation(function)
        return True
    if ("@" + tag).startswith(READING_TAG_PREFIX):
        name, _, value = ("@" + tag).removeprefix(READING_TAG_PREFIX).partition("=")
        pytest.mark.reading(name, value)(function)
        return True
    return None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("job retry conformance")
    group.addoption(
        "--adapter",
        metavar="COMMAND",
        help="run the scenarios against an external implementation: the adapter's command line "
        '(split like a shell would, never run through one), e.g. --adapter "node adapters/node/adapter.mjs"',
    )
    group.addoption(
        "--adapter-timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="how long the adapter may take to answer one request (default: %(default)s)",
    )
    group.addoption(
        "--traces",
        metavar="DIR",
        type=Path,
        help="judge traces recorded offline instead of a live target: one <scenario id>.json per scenario "
        "that retry-kit export wrote, and optionally identity.json (see docs/adapter-guide.md)",
    )
    group.addoption(
        "--max-adapter-failures",
        metavar="N",
        type=_positive("--max-adapter-failures", 100),
        default=DEFAULT_MAX_FAILURES,
        help="after N crashes or timeouts of the adapter in a row, stop the run early and report the rest as "
        "not run (default: %(default)s)",
    )
    group.addoption(
        "--repeat",
        metavar="N",
        type=_positive("--repeat", 1000),
        default=1,
        help="run each scenario N times and report a target whose traces differ as nondeterministic "
        "(default: %(default)s)",
    )
    group.addoption(
        "--reading",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="judge the target under this alternative of a reading the page leaves open, as if its adapter "
        "declared it (repeatable; the names and alternatives are in features/catalogue.toml, [[reading]]); "
        "it binds: a target that does otherwise fails",
    )
    group.addoption(
        "--prefetch",
        choices=[m.value for m in Mode],
        default=Mode.AUTO.value,
        help="on: at the first scenario, send every scenario to the adapter at once, pipelined, and judge "
        "each test's answer when it runs (with -n, every worker sends all of them); off: send each "
        "scenario when its test runs; auto: on for an adapter whose hello declares a window of runs in "
        "flight, off with -n (default: %(default)s)",
    )
    group.addoption(
        "--interpretations",
        choices=[p.value for p in InterpretationPolicy],
        default=InterpretationPolicy.REPORT.value,
        help="report: differences on the kit's interpretations are shown but do not fail the run; "
        "fail: they count against it like a broken documented rule (default: %(default)s)",
    )


def _positive(option: str, most: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= most:
            raise pytest.UsageError(f"{option} takes a whole number from 1 to {most}, got {text!r}")
        return value

    return convert


WORKER_ADAPTER = "retrykit_adapter"
"""The key of the adapter command an xdist worker runs, in the input the controller sends it."""


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, on the controller: a worker may run in another folder (a gateway's chdir), where the
    adapter's relative paths name nothing; it gets them absolute, or in the folder xdist copied there."""
    adapter = node.config.getoption("adapter")
    if adapter is not None:
        spec = node.gateway.spec
        roots = node.nodemanager.roots if not spec.popen or spec.chdir else []
        node.workerinput[WORKER_ADAPTER] = _for_worker(adapter, roots)


def _for_worker(adapter: str, roots: list[Path]) -> str:
    """Each word of the command that is a relative path existing here (the program only when it has a
    slash: a bare name is looked up on PATH) made absolute (symlinks kept: a venv's python stays one),
    then mapped as xdist maps arguments: inside a copied folder, that folder's name and the rest."""
    try:
        words = shlex.split(adapter)
    except ValueError:
        return adapter  # _usage refuses it with its reason
    here = Path.cwd().resolve()
    for index, word in enumerate(words):
        if Path(word).is_absolute() or (index == 0 and "/" not in word) or not Path(word).exists():
            continue
        path = Path(os.path.normpath(here / word))
        inside = [root for root in roots if path.is_relative_to(root)]
        words[index] = f"{inside[0].name}/{path.relative_to(inside[0])}" if inside else str(path)
    return shlex.join(words)


def _usage(config: pytest.Config) -> tuple[str | None, float, Path | None]:
    """The target the user chose; in an xdist worker, its adapter command as the controller resolved it."""
    adapter = getattr(config, "workerinput", {}).get(WORKER_ADAPTER, config.getoption("adapter"))
    timeout = config.getoption("adapter_timeout")
    traces = config.getoption("traces")
    try:
        check_choice(adapter, timeout, traces)
        parse_options(config.getoption("reading"))
    except KitUsageError as error:
        raise pytest.UsageError(str(error)) from None
    return adapter, timeout, traces


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    adapter, timeout, traces = _usage(pytestconfig)
    chosen = open_target(adapter, timeout, traces)
    adapter_target = chosen if isinstance(chosen, AdapterTarget) else None
    if adapter_target is not None:
        adapter_target.max_failures = pytestconfig.getoption("max_adapter_failures")
    implementation = Implementation(
        chosen.identity.name,
        chosen.identity.version,
        adapter_target.protocol if adapter_target else "",
        pytestconfig.getoption("adapter") or "",
        adapter_target.handshake_error if adapter_target else "",
        traces=str(Path(traces).resolve()) if traces else "",
        readings=declared(chosen.identity.readings, parse_options(pytestconfig.getoption("reading"))),
    )
    pytestconfig.stash[IMPLEMENTATION] = implementation
    collector = pytestconfig.stash[COLLECTOR]
    collector.catalogue = bind(collector.catalogue, implementation.readings)
    yield chosen
    chosen.close()
    if adapter_target is not None and adapter_target.gave_up and not adapter_target.handshake_error:
        pytestconfig.stash[IMPLEMENTATION] = replace(implementation, stopped=adapter_target.gave_up)


@pytest.fixture(scope="session")
def run_readings(target: Target, pytestconfig: pytest.Config) -> Readings:
    """The readings every scenario of the run is judged under: the declared ones, else the kit's default."""
    return active(pytestconfig.stash[IMPLEMENTATION].readings)


@pytest.fixture
def draft(request: pytest.FixtureRequest, run_readings: Readings) -> ScenarioDraft:
    """A scenario written for another alternative of a reading than the run's is built under the one it
    was written for (retry-kit export writes it so) and is not applicable: the When step says so."""
    wanted = [(str(m.args[0]), str(m.args[1])) for m in request.node.iter_markers("reading")]
    missing = scenario_mismatch(wanted, run_readings)
    if missing:
        request.node.stash[MISSING_KEY] = missing
        return ScenarioDraft(readings=run_readings.with_values(dict(wanted)))
    return ScenarioDraft(readings=run_readings)


@pytest.fixture
def claims() -> ClaimLog:
    return ClaimLog()


@pytest.hookimpl(wrapper=True)
def pytest_bdd_after_step(
    request: pytest.FixtureRequest,
    feature: bdd.Feature,
    scenario: bdd.Scenario,
    step: bdd.Step,
    step_func: Callable[..., object],
    step_func_args: dict[str, object],
) -> Generator[None, None, None]:
    """After a scenario's last step, what its claims and the oracles found fails that step, through
    pytest-bdd's own step-error hook, so its Cucumber JSON marks the step failed as pytest does the test."""
    yield
    run = request.node.stash.get(RUN_KEY, None)
    if step is not scenario.steps[-1] or run is None:
        return
    failed = request.getfixturevalue("claims").failed
    if failed or run.violations:
        findings = ScenarioFindings(failed, list(run.violations))
        request.config.hook.pytest_bdd_step_error(
            request=request,
            feature=feature,
            scenario=scenario,
            step=step,
            step_func=step_func,
            step_func_args=step_func_args,
            exception=findings,
        )
        raise findings
