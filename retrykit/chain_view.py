"""The backup chain as rows a person reads in a feature file, and back.

A file row is "kind | created by | restore points", for example
``incremental | session 2, attempt 1 | VM 1 incremental, VM 2 full``. A restore
point written by another run than the one that created its file says so:
``VM 2 full (attempt 2)`` or ``VM 2 full (session 3, attempt 1)``. Comparing rows
ignores the target's file names, which are its own business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrykit.errors import ScenarioAuthoringError
from retrykit.reference.model import BackupFile, BackupKind, Trace

_CREATED = re.compile(r"^session (\d+), attempt (\d+)$")
_POINT = re.compile(
    r"^(?P<vm>.+?) (?P<kind>full|incremental)(?: \((?:session (?P<s>\d+), )?attempt (?P<a>\d+)\))?$"
)


class ChainTableError(ScenarioAuthoringError):
    """A chain table in a feature file cannot be read; the message quotes the cell."""


@dataclass(frozen=True, order=True)
class PointRow:
    vm: str
    kind: BackupKind
    session: int
    attempt: int


@dataclass(frozen=True, order=True)
class FileRow:
    session: int
    attempt: int
    kind: BackupKind
    points: tuple[PointRow, ...]

    def cells(self) -> tuple[str, str, str]:
        return (self.kind.value, f"session {self.session}, attempt {self.attempt}", self.render_points())

    def render_points(self) -> str:
        parts = []
        for p in self.points:
            if (p.session, p.attempt) == (self.session, self.attempt):
                parts.append(f"{p.vm} {p.kind.value}")
            elif p.session == self.session:
                parts.append(f"{p.vm} {p.kind.value} (attempt {p.attempt})")
            else:
                parts.append(f"{p.vm} {p.kind.value} (session {p.session}, attempt {p.attempt})")
        return ", ".join(parts) if parts else "none"


def file_row(file: BackupFile) -> FileRow:
    points = tuple(sorted(PointRow(p.vm, p.kind, p.session, p.attempt) for p in file.restore_points))
    return FileRow(file.session, file.attempt, file.kind, points)


def chain_rows(trace: Trace) -> list[FileRow]:
    return sorted(file_row(f) for f in trace.files)


def parse_row(kind: str, created_by: str, points: str) -> FileRow:
    match = _CREATED.match(created_by.strip())
    if match is None:
        raise ChainTableError(f"'created by' must read 'session N, attempt M', got {created_by!r}")
    session, attempt = int(match[1]), int(match[2])
    try:
        file_kind = BackupKind(kind.strip())
    except ValueError:
        raise ChainTableError(f"file kind must be full or incremental, got {kind!r}") from None
    rows = []
    text = points.strip()
    for part in [] if text == "none" else [p.strip() for p in re.split(r",\s*(?![^()]*\))", text)]:
        point = _POINT.match(part)
        if point is None:
            raise ChainTableError(
                f"restore point must read 'VM n full|incremental [(attempt k)]', got {part!r}"
            )
        rows.append(
            PointRow(
                point["vm"],
                BackupKind(point["kind"]),
                int(point["s"]) if point["s"] else session,
                int(point["a"]) if point["a"] else attempt,
            )
        )
    return FileRow(session, attempt, file_kind, tuple(sorted(rows)))
