"""The project's own checks, so CI holds the code to them: ruff's lint and format, and mypy's types."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from retrykit.paths import ROOT

CHECKS = {
    "ruff lint": ["ruff", "check", "."],
    "ruff format": ["ruff", "format", "--check", "."],
    "mypy": ["mypy", "reference", "retrykit", "steps"],
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_code_passes(name: str) -> None:
    tool, *arguments = CHECKS[name]
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed (pip install -e '.[dev]' installs it)")
    command = [sys.executable, "-m", tool, *arguments]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{name}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
