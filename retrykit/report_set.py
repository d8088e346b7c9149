"""The report set: report.json, report.md and report.html of one run, written as one; and its folder.

Every form carries the run's id (a uuid): report.json as ``run_id``, report.md and report.html as their
last line, an HTML comment (``RUN_ID_MARK``). The three are rendered before anything on disk changes,
written to hidden temporary files beside their targets and flushed; then a journal (``JOURNAL``) names
the temporary files and hard-linked copies of the old ones, and the three are renamed into place, with
SIGINT, SIGTERM and SIGHUP held off until the renames are done. So:

- a renderer or a write that fails leaves the old set as it was, and no temporary file;
- a rename that fails puts the old files back (from the copies);
- a process killed outright (SIGKILL, a power cut) after the journal was written leaves the journal:
  the next writer, or the next reader once no writer holds the folder's lock, completes the renames
  (every new file was whole before the journal was written) and the folder holds the new set;
- a process killed before that leaves only hidden temporary files, which the next writer removes.

A reader (retrykit.report.load_report) refuses a report.json whose report.md or report.html carries
another run's id, so even a set mixed by hand is never read as one.

One run at a time writes into a folder: ``FolderLock`` (fcntl.flock on ``LOCK``, a hidden file in the
folder) is taken before the first scenario for a folder the user named, and around the write for the
default folder named after the implementation, which is only known once the target has answered.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from retrykit.naming import file_name
from retrykit.render_html import render_html
from retrykit.render_md import render_markdown
from retrykit.report import Implementation, Json, ReportError, encodable, report_json_text, write_temporary

FORMS = ("report.json", "report.md", "report.html")
"""The set, in the order its files are renamed into place."""
JOURNAL = ".report-set.json"
LOCK = ".report.lock"
RUN_ID_MARK = "<!-- retrykit run id: {} -->"
_MARKED = re.compile(r"<!-- retrykit run id: ([0-9a-f-]{36}) -->\s*\Z")
_HELD_OFF = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_SETTLE_WAIT = 2.0
"""How long a reader waits for a write in progress to end before refusing the set."""
_POLL = 0.02

RESERVED = frozenset({"reference", "exhaust", "mutation", "matrix", "explore"})
"""Folder names under reports/ that something else writes: the in-process reference engine's reports, and
those of retry-kit exhaust, mutants, merge (README's reports/matrix) and explore."""


class ReportFolderError(ReportError):
    """The report folder cannot be used (a file, under a file, a dangling link, not writable, taken)."""


def new_run_id() -> str:
    return str(uuid.uuid4())


def stamped(report: Json, run_id: str) -> Json:
    """``report`` with ``run_id`` after ``generated`` (where build_report puts it): the completeness marker
    stays the last entry."""
    fields = {k: v for k, v in report.items() if k != "run_id"}
    result: Json = {}
    for key, value in fields.items():
        result[key] = value
        if key == "generated":
            result["run_id"] = run_id
    if "run_id" not in result:
        raise ValueError("a report without 'generated' cannot carry a run id")
    return result


def rendered(report: Json) -> dict[str, str]:
    """The three forms' text, each carrying the report's run id, in ``FORMS`` order; nothing in them
    that UTF-8 cannot hold."""
    run_id = report.get("run_id")
    if not isinstance(run_id, str):
        raise ValueError("the report carries no run id (build_report(..., run_id=new_run_id()))")
    mark = RUN_ID_MARK.format(run_id)
    return {
        "report.json": report_json_text(report),
        "report.md": encodable(render_markdown(report)).rstrip("\n") + f"\n\n{mark}\n",
        "report.html": encodable(render_html(report)).rstrip("\n") + f"\n{mark}\n",
    }


def marked_run_id(path: Path) -> str | None:
    """The run id on the last line of a report.md or report.html; None when it carries none."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 200))
        tail = handle.read().decode("utf-8", "replace")
    found = _MARKED.search(tail)
    return found.group(1) if found else None


def check_siblings(path: Path, report: Json) -> None:
    """Refuse ``report`` (read from ``path``) when a report.md or report.html beside it names another run."""
    run_id = report.get("run_id")
    for name in FORMS[1:]:
        sibling = path.parent / name
        if not sibling.is_file():
            continue
        try:
            theirs = marked_run_id(sibling)
        except OSError as error:
            raise ReportError(f"{sibling}: cannot read it: {error.strerror or error}") from None
        if theirs != run_id:
            raise ReportError(
                f"{path}: {name} beside it comes from another run (run id {theirs or 'none'}, "
                f"report.json has {run_id or 'none'}): the report set is mixed; run the suite again"
            )


# -- the lock -------------------------------------------------------------------------------------------


class FolderLock:
    """An exclusive lock on a report folder, held by one process, which writes its pid in the lock file.

    The file is removed when the lock is released, so a folder holds nothing but the report afterwards;
    a taker checks that the file it locked is still the one at the path (not one a releaser removed)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, waiting up to ``wait`` seconds for another holder; False when it stayed taken."""
        if self._fd is not None:
            return True
        deadline = time.monotonic() + wait
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL)
                continue
            try:
                current = os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                break
            os.close(fd)  # the holder removed this file as we locked it: lock the one there now
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """The pid the holder wrote, or '' when it cannot be read."""
        try:
            text = self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return ""
        return text if text.isdigit() else ""

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(self._fd)
            self._fd = None


def lock_folder(folder: Path, wait: float = 0.0) -> FolderLock:
    """The folder's lock, taken; ReportFolderError, naming the holder, when another run keeps it."""
    lock = FolderLock(folder)
    try:
        taken = lock.acquire(wait)
    except OSError as error:
        raise ReportFolderError(f"{folder}: cannot lock it: {error.strerror or error}") from None
    if not taken:
        pid = lock.holder()
        raise ReportFolderError(
            f"{folder}: another run{f' (pid {pid})' if pid else ''} is writing its report there; "
            "wait for it to end or choose another --report-dir"
        )
    return lock


# -- the folder -----------------------------------------------------------------------------------------


def usable_folder(folder: Path) -> Path:
    """``folder``, created if need be, once it is known to take the report set: a folder (not a file, not
    under one, not a dangling symbolic link), writable, where no report file's name is taken by a folder.
    ReportFolderError says in one line what is wrong."""
    if folder.is_symlink() and not folder.exists():
        raise ReportFolderError(f"{folder} is a symbolic link to {os.readlink(folder)}, which does not exist")
    if folder.exists() and not folder.is_dir():
        raise ReportFolderError(f"{folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        above = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
        raise ReportFolderError(
            f"{folder} cannot be a folder: {above or 'a part of its path'} is a file"
        ) from None
    except OSError as error:
        raise ReportFolderError(f"{folder} cannot be created: {error.strerror or error}") from None
    try:
        fd, probe = _probe(folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ReportFolderError(f"{folder} is not writable: {error.strerror or error}") from None
    for name in FORMS:
        if (folder / name).is_dir():
            raise ReportFolderError(f"{folder / name} is a folder; the report file cannot take its place")
    return folder


def _probe(folder: Path) -> tuple[int, str]:
    return tempfile.mkstemp(dir=folder, prefix=".report-probe.", suffix=".tmp")


def default_folder(reports: Path, implementation: Implementation) -> Path:
    """Where a run writes when no --report-dir is given: reports/<the implementation's name as a safe file
    name>. A name that something else writes under reports/ (``RESERVED``: 'reference' is the
    in-process reference engine's alone), or that a file or link there already has, gets '+adapter'
    ('+traces' for recorded traces) after it; no plain name holds '+', so it collides with none."""
    name = file_name(implementation.name, fallback="implementation")
    in_process_reference = not implementation.command and not implementation.traces
    place = reports / name
    taken = (name.lower() in RESERVED and not (in_process_reference and name == "reference")) or (
        (place.exists() or place.is_symlink()) and (place.is_symlink() or not place.is_dir())
    )
    if taken:
        name += "+traces" if implementation.traces else "+adapter"
    return reports / name


# -- writing the set ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _signals_held_off() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then act as they would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous: dict[signal.Signals, Any] = {}
    try:
        for number in _HELD_OFF:
            previous[number] = signal.signal(number, hold)
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


def _journal(folder: Path, run_id: str, state: str, entries: dict[str, dict[str, str | None]]) -> None:
    text = json.dumps({"run_id": run_id, "state": state, "files": entries}, indent=2) + "\n"
    temporary = write_temporary(folder / JOURNAL, text)
    os.replace(temporary, folder / JOURNAL)


def _sync(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_aside(path: Path, copy: Path) -> None:
    try:
        os.link(path, copy, follow_symlinks=False)
    except OSError:
        shutil.copy2(path, copy, follow_symlinks=False)


def write_report_set(
    folder: Path,
    report: Json,
    *,
    lock: FolderLock | None = None,
    wait: float = 30.0,
    between: Callable[[str], None] | None = None,
) -> None:
    """Write the three forms of ``report`` (which carries a run id) into ``folder`` as one set: afterwards
    the folder holds the new set whole, or, when this raised, the old one as it was.

    ``lock`` is the folder's lock when the caller holds it already; otherwise it is taken for the write,
    waiting up to ``wait`` seconds for another run (then ReportFolderError). ``between`` is called with
    each form's name before it is renamed into place (for tests that interrupt a write)."""
    texts = rendered(report)
    folder.mkdir(parents=True, exist_ok=True)
    if lock is not None and lock.held:
        _write_locked(folder, texts, report["run_id"], between)
        return
    taken = lock_folder(folder, wait)
    try:
        _write_locked(folder, texts, report["run_id"], between)
    finally:
        taken.release()


def _write_locked(
    folder: Path, texts: dict[str, str], run_id: str, between: Callable[[str], None] | None
) -> None:
    recover(folder)
    entries: dict[str, dict[str, str | None]] = {}
    try:
        for name, text in texts.items():
            entries[name] = {"temp": write_temporary(folder / name, text).name, "backup": None}
        with _signals_held_off():
            for name, entry in entries.items():
                if (folder / name).exists() or (folder / name).is_symlink():
                    backup = f".{name}.{run_id}.old"
                    _copy_aside(folder / name, folder / backup)
                    entry["backup"] = backup
            _journal(folder, run_id, "forward", entries)
            try:
                for name, entry in entries.items():
                    if between is not None:
                        between(name)
                    os.replace(folder / str(entry["temp"]), folder / name)
            except BaseException:
                _roll_back(folder, run_id, entries)
                raise
            _sync(folder)
            _finish(folder, entries)
    finally:
        if not (folder / JOURNAL).exists():
            for entry in entries.values():
                for key in ("temp", "backup"):
                    if entry[key]:
                        (folder / str(entry[key])).unlink(missing_ok=True)


def _roll_back(folder: Path, run_id: str, entries: dict[str, dict[str, str | None]]) -> None:
    """Put the old set back: each renamed file's copy over it, or, where there was none, remove it."""
    _journal(folder, run_id, "back", entries)
    _back(folder, entries)


def _back(folder: Path, entries: dict[str, Any]) -> None:
    for name, entry in entries.items():
        temp, backup = folder / entry["temp"], entry["backup"]
        if backup is not None and (folder / backup).exists():
            os.replace(folder / backup, folder / name)
        elif backup is None and not temp.exists():
            (folder / name).unlink(missing_ok=True)  # it was renamed into place, where nothing was
        temp.unlink(missing_ok=True)
    _sync(folder)
    (folder / JOURNAL).unlink(missing_ok=True)


def _forward(folder: Path, entries: dict[str, Any]) -> None:
    for name, entry in entries.items():
        temp = folder / entry["temp"]
        if temp.exists():
            os.replace(temp, folder / name)
    _sync(folder)
    _finish(folder, entries)


def _finish(folder: Path, entries: dict[str, Any]) -> None:
    for entry in entries.values():
        if entry["backup"] is not None:
            (folder / entry["backup"]).unlink(missing_ok=True)
    (folder / JOURNAL).unlink(missing_ok=True)


def recover(folder: Path) -> None:
    """Finish a write of the set that was cut short (call it holding the folder's lock, or as its only
    writer): complete the renames a journal names, or undo them when it was rolling back; then remove
    what a write killed before its journal left behind."""
    journal = folder / JOURNAL
    try:
        document = json.loads(journal.read_text(encoding="utf-8"))
        entries = document["files"]
        state = document["state"]
    except FileNotFoundError:
        document = None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReportError(
            f"{journal}: an interrupted write left a journal that cannot be read ({error})"
        ) from None
    if document is not None:
        safe = all(
            isinstance(entry, dict)
            and set(entry) == {"temp", "backup"}
            and all(
                v is None or (isinstance(v, str) and v == Path(v).name and v.startswith("."))
                for v in entry.values()
            )
            for entry in entries.values()
        ) and set(entries) <= set(FORMS)
        if not safe:
            raise ReportError(f"{journal}: not a journal this kit wrote; remove it by hand")
        (_back if state == "back" else _forward)(folder, entries)
    for name in FORMS:
        for stale in [*folder.glob(f".{name}.*.tmp"), *folder.glob(f".{name}.*.old")]:
            stale.unlink(missing_ok=True)
    for stale in [*folder.glob(f".{JOURNAL}.*.tmp"), *folder.glob(".report-probe.*.tmp")]:
        stale.unlink(missing_ok=True)


def settle(folder: Path) -> None:
    """For a reader: when a write of the set is under way or was cut short (a journal is there), wait for
    the writer, or finish the write once no writer holds the lock; ReportError when neither happens."""
    journal = folder / JOURNAL
    deadline = time.monotonic() + _SETTLE_WAIT
    while journal.exists():
        lock = FolderLock(folder)
        try:
            taken = lock.acquire()
        except OSError:
            taken = False
        if taken:
            try:
                recover(folder)
            except OSError as error:
                raise ReportError(
                    f"{folder}: a write of the report set was cut short and cannot be completed here "
                    f"({error.strerror or error})"
                ) from None
            finally:
                lock.release()
            return
        if time.monotonic() >= deadline:
            raise ReportError(f"{folder}: another run is writing the report set; read it once that is done")
        time.sleep(_POLL)
