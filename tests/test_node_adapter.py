"""The Node.js example adapter is a second, independent reading of the page: it must agree with the
reference engine on generated scenarios too, interpretations included, not only on those in features/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from checkout import ROOT

from retrykit.adapter import AdapterTarget
from retrykit.catalogue import load_catalogue
from retrykit.drivers import CORE_CAPABILITIES
from retrykit.explore import explore

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


@pytest.fixture
def node() -> Iterator[AdapterTarget]:
    target = AdapterTarget(["node", str(ROOT / "adapters" / "node" / "adapter.mjs")], timeout=10)
    target.start()
    yield target
    target.close()


def test_the_node_adapter_declares_every_capability_of_protocol_1_1(node: AdapterTarget) -> None:
    assert node.identity.name == "node-example"
    assert node.identity.capabilities == CORE_CAPABILITIES


def test_the_node_adapter_agrees_with_the_reference_on_generated_scenarios(node: AdapterTarget) -> None:
    state = explore(node, load_catalogue(), examples=400, seed=None, include_interpretations=True)
    assert state.finding is None, state.finding
    assert state.examples == 400
    assert node.restarts == 0
