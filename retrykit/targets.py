"""Open the target a user names: the in-process reference, an adapter command line, or recorded traces."""

from __future__ import annotations

import contextlib
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from retrykit.adapter import DEFAULT_TIMEOUT, AdapterTarget
from retrykit.drivers import ReferenceTarget, Target
from retrykit.errors import KitUsageError, TargetError

if TYPE_CHECKING:
    from retrykit.replay import ReplayTarget


def adapter_command(text: str | None, timeout: float = DEFAULT_TIMEOUT) -> list[str] | None:
    """The adapter's argument list (split like a shell would, never run through one), checked for typos."""
    if not timeout > 0:
        raise KitUsageError(f"--adapter-timeout must be a positive number of seconds, got {timeout}")
    if text is None:
        return None
    try:
        command = shlex.split(text)
    except ValueError as error:
        raise KitUsageError(f"--adapter {text!r}: {error}") from None
    if not command:
        raise KitUsageError('--adapter needs a command, e.g. --adapter "python my_adapter.py"')
    if shutil.which(command[0]) is None:
        raise KitUsageError(f"--adapter: cannot find the program {command[0]!r} (not a file, not on PATH)")
    return command


def _replay(text: str | None, traces: Path) -> ReplayTarget:
    if text is not None:
        raise KitUsageError("--adapter and --traces each name a target: give one of them")
    # Imported here: replay needs export, which imports pytest and the suite's steps (some 60 ms that
    # exhaust, explore and combine, which never replay, would pay at start-up).
    from retrykit.replay import ReplayTarget

    return ReplayTarget(traces)


def check_choice(text: str | None, timeout: float, traces: Path | None) -> None:
    """Refuse a target the user cannot have meant (a typo, two targets, an unreadable identity.json)
    before any scenario runs."""
    adapter_command(text, timeout)
    if traces is not None:
        _replay(text, traces)


def open_target(text: str | None, timeout: float = DEFAULT_TIMEOUT, traces: Path | None = None) -> Target:
    """A started target; an adapter that fails to start is returned all the same: every scenario
    it affects then gets the error verdict."""
    if traces is not None:
        return _replay(text, traces)
    command = adapter_command(text, timeout)
    if command is None:
        return ReferenceTarget()
    target = AdapterTarget(command, timeout=timeout)
    with contextlib.suppress(TargetError):
        target.start()
    return target
