"""The pytest plugin that turns ``features/`` into a conformance run against one target.

It registers the steps, maps ``@JR.*`` tags to rule markers, picks the target,
and, after every scenario whose own steps passed, lets the catalogue's oracles
judge the trace, so no scenario can pass while its trace breaks another rule.
The report itself is written by steps/reporting.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from retrykit.adapter import DEFAULT_TIMEOUT, AdapterTarget
from retrykit.drivers import Target
from retrykit.errors import KitUsageError
from retrykit.inventory import INTERPRETATION_TAG, RULE_TAG_PREFIX
from retrykit.report import Implementation
from retrykit.targets import adapter_command, open_target
from retrykit.verdicts import RuleViolations
from steps.draft import ScenarioDraft
from steps.given import *  # noqa: F403  (pytest-bdd finds steps as fixtures of this plugin module)
from steps.reporting import IMPLEMENTATION
from steps.then import *  # noqa: F403
from steps.when import *  # noqa: F403
from steps.when import RUN_KEY

_STEP_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    _usage(config)


def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> bool | None:
    if ("@" + tag).startswith(RULE_TAG_PREFIX):
        pytest.mark.rule(tag)(function)
        return True
    if "@" + tag == INTERPRETATION_TAG:
        pytest.mark.interpretation(function)
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


def _usage(config: pytest.Config) -> tuple[str | None, float]:
    adapter, timeout = config.getoption("adapter"), config.getoption("adapter_timeout")
    try:
        adapter_command(adapter, timeout)
    except KitUsageError as error:
        raise pytest.UsageError(str(error)) from None
    return adapter, timeout


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    adapter, timeout = _usage(pytestconfig)
    chosen = open_target(adapter, timeout)
    protocol = chosen.protocol if isinstance(chosen, AdapterTarget) else ""
    pytestconfig.stash[IMPLEMENTATION] = Implementation(
        chosen.identity.name, chosen.identity.version, protocol, adapter or ""
    )
    yield chosen
    chosen.close()


@pytest.fixture
def draft() -> ScenarioDraft:
    return ScenarioDraft()


def pytest_bdd_step_error(request: pytest.FixtureRequest) -> None:
    request.node.stash[_STEP_FAILED] = True


def pytest_bdd_after_scenario(request: pytest.FixtureRequest) -> None:
    run = request.node.stash.get(RUN_KEY, None)
    if request.node.stash.get(_STEP_FAILED, False) or run is None:
        return
    if run.violations:
        raise RuleViolations(list(run.violations))
