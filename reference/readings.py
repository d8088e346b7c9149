"""The named readings of points the page leaves open: which alternative a run is judged under.

The catalogue (features/catalogue.toml, ``[[reading]]``) gives each reading its rule, its alternatives,
their reasons and sources; here each is an enum the engine branches on, so the engine stays pure. The
first member of each enum is the kit's default, the reading it takes when a target declares none.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from functools import cache


class GracefulStopStatus(StrEnum):
    """The status of a gracefully stopped session that left no VM unprocessed."""

    FAILED = "failed"
    FROM_TASKS = "from-tasks"


class FileCreation(StrEnum):
    """When a single-file session creates its backup file."""

    FIRST_PROCESSED = "first-processed"
    INITIAL_RUN = "initial-run"


class JobFailureStatus(StrEnum):
    """Which attempts' job-level errors fail a session."""

    LATEST = "latest"
    STICKY = "sticky"


class RecoveredStatus(StrEnum):
    """Which task results grade a session whose retries left no task unprocessed."""

    LATEST = "latest"
    WORST_RUN = "worst-run"


class ZeroRetries(StrEnum):
    """What a retry count of 0 means."""

    NO_RETRIES = "no-retries"
    DEFAULT_COUNT = "default-count"
    REJECTED = "rejected"


class RetryCommandRetried(StrEnum):
    """Whether a session run by the manual Retry command is itself retried automatically."""

    NO = "no"
    YES = "yes"


@dataclass(frozen=True, slots=True)
class Readings:
    """One alternative of every reading; a field is named after its reading (``-`` as ``_``)."""

    graceful_stop_status: GracefulStopStatus = GracefulStopStatus.FAILED
    sf_file_creation: FileCreation = FileCreation.FIRST_PROCESSED
    job_failure: JobFailureStatus = JobFailureStatus.LATEST
    recovered_status: RecoveredStatus = RecoveredStatus.LATEST
    retry_count_zero: ZeroRetries = ZeroRetries.NO_RETRIES
    retry_command_retried: RetryCommandRetried = RetryCommandRetried.NO

    def values(self) -> dict[str, str]:
        """Every reading by its name, with its alternative's value (a copy: the caller may change it)."""
        return dict(_values(self))

    def differing(self) -> dict[str, str]:
        """The readings whose alternative is not the kit's default (a copy: the caller may change it)."""
        return dict(_differing(self))

    def with_values(self, chosen: dict[str, str]) -> Readings:
        """These readings with some replaced, by name and value; an unknown name or value raises
        ValueError."""
        if not chosen:
            return self  # what every scenario under the default readings asks for: nothing to copy
        changes = {}
        types = {f.name: f.type for f in fields(self)}
        for name, value in chosen.items():
            attribute = name.replace("-", "_")
            if attribute not in types:
                raise ValueError(f"no reading named {name!r}")
            changes[attribute] = type(getattr(self, attribute))(value)
        return replace(self, **changes)


DEFAULT = Readings()
"""The kit's default readings."""


@cache
def _values(readings: Readings) -> dict[str, str]:
    """Readings.values, worked out once per alternative chosen: every scenario sent to an adapter asks
    for it, and Readings is immutable."""
    return {f.name.replace("_", "-"): getattr(readings, f.name).value for f in fields(readings)}


@cache
def _differing(readings: Readings) -> dict[str, str]:
    default = _values(DEFAULT)
    return {name: value for name, value in _values(readings).items() if default[name] != value}


def alternatives() -> dict[str, tuple[str, ...]]:
    """Each reading's name and its alternatives' values, the default first."""
    return {
        f.name.replace("_", "-"): tuple(m.value for m in type(getattr(DEFAULT, f.name)))
        for f in fields(DEFAULT)
    }
