"""Errors of a target, kept apart from broken rules: a target that misbehaves gets an error verdict."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    CRASH = "crash"
    TIMEOUT = "timeout"
    PROTOCOL = "protocol violation"
    CONTRACT = "contract breach"
    REPORTED = "reported error"
    HANDSHAKE = "handshake"
    NONDETERMINISTIC = "nondeterministic"
    MISSING_TRACE = "missing trace"


class TargetError(Exception):
    """The target could not be judged on a scenario; ``kind`` says why, the message says what to fix."""

    kind: ErrorKind = ErrorKind.PROTOCOL

    def __init__(self, message: str, *, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.args[0]}"


class ContractBreach(TargetError):
    """The trace does not describe the scenario that was asked for (wrong VMs, ignored injections)."""

    kind = ErrorKind.CONTRACT


class TargetSkipped(Exception):
    """The implementation answered 'skipped' for a scenario whose capabilities it declared."""


class KitUsageError(Exception):
    """Bad input from the person running the kit: one clear message, never a traceback."""


class ScenarioAuthoringError(KitUsageError):
    """A feature file describes something the kit cannot build; the message says which step to fix."""
