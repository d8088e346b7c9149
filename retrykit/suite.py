"""Running the kit's own feature suite from any folder: what `retry-kit run` and the mutation score pass to
pytest, so a pytest configuration in the folder a vendor runs it from cannot change the run."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from retrykit.paths import FEATURES

SETTINGS = FEATURES / "run.ini"


def pytest_arguments(*extra: str) -> list[str]:
    """The installed features (wherever pip put them), the kit's own pytest settings, and node IDs relative
    to the kit's package (``features/test_features.py::…``)."""
    return ["-c", str(SETTINGS), "--rootdir", str(FEATURES.parent), str(FEATURES), *extra]


def run(arguments: Sequence[str]) -> NoReturn:
    """Becomes pytest (its exit status is the run's: 0 only when the verdict is accepted), in a fresh
    interpreter so that pytest, not this command, is the first to import the plugin and its dependencies."""
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *pytest_arguments(*arguments)])
