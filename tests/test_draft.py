"""A feature that describes an impossible scenario gets an authoring error naming the step to fix, never a
bare ValueError from the model."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from retrykit.reference.model import ChainFormat, ManualStop, TaskResult
from retrykit.steps.draft import ScenarioAuthoringError, ScenarioDraft


def _job(vms: int = 2) -> ScenarioDraft:
    draft = ScenarioDraft()
    draft.vm_count = vms
    draft.chain_format = ChainFormat.PER_MACHINE
    return draft


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (lambda d: d.stop(1, 0, 1), "attempts are numbered from 1 (the initial run), got attempt 0"),
        (lambda d: d.inject(1, "VM 1", 0, TaskResult.FAILED), "got attempt 0"),
        (lambda d: d.stop(0, 1, 1), "sessions are numbered from 1, got session 0"),
        (lambda d: d.inject(1, "VM 3", 1, TaskResult.FAILED), "'VM 3' is not one of the job's 2 VMs"),
    ],
)
def test_impossible_steps_are_authoring_errors(step: Callable[[ScenarioDraft], None], message: str) -> None:
    with pytest.raises(ScenarioAuthoringError, match=re.escape(message)):
        step(_job())


def test_a_stop_lands_in_the_built_scenario() -> None:
    draft = _job()
    draft.stop(2, 1, 1)
    scenario = draft.build()
    assert [plan.stop for plan in scenario.sessions] == [None, ManualStop(1, 1)]
