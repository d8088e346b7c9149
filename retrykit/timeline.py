"""A trace as a grid a person can look at: VMs down, sessions x attempts across.

Each cell says what happened to one VM in one attempt (success, warning, failed,
not run) and which file its restore point landed in, so a defect is seen, not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Json = dict[str, Any]


class Cell(StrEnum):
    SUCCESS = "success"
    WARNING = "warning"
    FAILED = "failed"
    NOT_RUN = "not run"
    STOPPED = "stopped"


SYMBOLS = {Cell.SUCCESS: "✔", Cell.WARNING: "⚠", Cell.FAILED: "✘", Cell.NOT_RUN: "·", Cell.STOPPED: "■"}


@dataclass(frozen=True)
class TimelineCell:
    state: Cell
    file: str = ""

    @property
    def text(self) -> str:
        return SYMBOLS[self.state] + (f" {self.file}" if self.file else "")


@dataclass(frozen=True)
class Timeline:
    columns: tuple[tuple[int, int], ...]
    """(session, attempt) pairs, in order."""
    rows: tuple[tuple[str, tuple[TimelineCell, ...]], ...]
    """(VM, one cell per column)."""
    statuses: tuple[tuple[int, str], ...]
    files: tuple[tuple[str, str], ...]
    """(label, description) of every file, labels F1, F2, ... in chain order."""


def timeline(scenario: Json, trace: Json) -> Timeline:
    vms = list(scenario["job"]["vms"])
    labels = {}
    descriptions = []
    for index, file in enumerate(trace["files"], start=1):
        labels[file["id"]] = f"F{index}"
        points = ", ".join(f"{p['vm']} {p['kind']}" for p in file["restore_points"]) or "empty"
        descriptions.append(
            (
                f"F{index}",
                f"{file['kind']} file created by session {file['session']}, "
                f"attempt {file['attempt']}: {points}",
            )
        )
    landed: dict[tuple[int, int, str], list[str]] = {}
    for file in trace["files"]:
        for point in file["restore_points"]:
            landed.setdefault((point["session"], point["attempt"], point["vm"]), []).append(
                labels[file["id"]]
            )
    columns = []
    cells: dict[str, list[TimelineCell]] = {vm: [] for vm in vms}
    for session in trace["sessions"]:
        last = session["attempts"][-1]["number"] if session["attempts"] else 0
        for attempt in session["attempts"]:
            columns.append((session["number"], attempt["number"]))
            ran = {task["vm"]: task["result"] for task in attempt["tasks"]}
            stopped_here = session["stopped_manually"] and attempt["number"] == last
            for vm in vms:
                where = "+".join(landed.get((session["number"], attempt["number"], vm), []))
                if vm in ran:
                    cells[vm].append(TimelineCell(Cell(ran[vm]), where))
                else:
                    cells[vm].append(TimelineCell(Cell.STOPPED if stopped_here else Cell.NOT_RUN, where))
    rows = tuple((vm, tuple(row)) for vm, row in cells.items())
    statuses = tuple((s["number"], s["status"]) for s in trace["sessions"])
    return Timeline(tuple(columns), rows, statuses, tuple(descriptions))


def as_rows(line: Timeline) -> tuple[list[str], list[list[str]]]:
    """Headers and rows for a table renderer (tabulate, or an HTML template)."""
    headers = ["VM"] + [f"S{s}.A{a}" for s, a in line.columns]
    rows = [[vm] + [cell.text for cell in row] for vm, row in line.rows]
    return headers, rows
