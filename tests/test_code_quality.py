"""The project's own checks, so CI holds the code to them: ruff's lint and format, and mypy's types."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit.paths import package_folder

MAPPED = ("reference", "steps", "features", "schemas", "adapters")
"""The checkout's top-level folders that the build maps into the retrykit package (pyproject.toml)."""


def installed_layout(into: Path) -> Path:
    """The retrykit package laid out as the wheel installs it, in links to the checkout's files: mypy cannot
    follow setuptools' editable-install finder, which maps ``retrykit.reference`` onto ``reference/``."""
    package = into / "retrykit"
    package.mkdir()
    for entry in package_folder("retrykit").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name in MAPPED:
        (package / name).symlink_to(package_folder(f"retrykit.{name}"))
    return into


def test_the_layout_maps_every_folder_of_the_build() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert all(f'"retrykit.{name}" = "{name}"' in text for name in MAPPED)


@pytest.mark.parametrize("name", ["ruff lint", "ruff format", "mypy"])
def test_the_code_passes(name: str, tmp_path: Path) -> None:
    checks = {
        "ruff lint": (["ruff", "check", "."], ROOT),
        "ruff format": (["ruff", "format", "--check", "."], ROOT),
        "mypy": (
            ["mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "retrykit"],
            installed_layout(tmp_path) if name == "mypy" else ROOT,
        ),
    }
    (tool, *arguments), where = checks[name]
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed (pip install -e '.[dev]' installs it)")
    command = [sys.executable, "-m", tool, *arguments]
    done = subprocess.run(command, cwd=where, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{name}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
