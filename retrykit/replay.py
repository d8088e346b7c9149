"""Traces a product recorded in a lab, judged afterwards as if an adapter had answered them live.

A real backup session takes minutes and needs a lab, so a vendor runs the exported scenarios there
(retrykit.export) and writes one trace per scenario, named by the scenario's ID. The replay target answers
each scenario the suite asks with the trace whose name ends in that scenario's key, and goes through the
same schema check, contract check and oracles as a live answer: a missing or invalid trace is an error
of the scenario, never a pass.
"""

from __future__ import annotations

import json
from pathlib import Path

from retrykit.adapter import PROTOCOL_VERSION
from retrykit.canonical import canonical
from retrykit.codec import trace_from_json
from retrykit.drivers import TargetIdentity
from retrykit.errors import ErrorKind, KitUsageError, TargetError
from retrykit.export import KEY_PATTERN, scenario_key
from retrykit.reference.model import Scenario, Trace
from retrykit.text import printable
from retrykit.validation import SchemaViolation, validate

IDENTITY = "identity.json"
_NAME_LENGTH = 100
_SHOWN_CHARS = 200


def _shown(text: object) -> str:
    """Text from a recorded file, safe and short enough to quote."""
    shown = printable(text, keep="")
    return shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + "..."


def read_identity(folder: Path) -> TargetIdentity:
    """Who recorded the traces: ``identity.json`` holds what the product's adapter would say in its hello
    (``implementation`` with name and version, ``capabilities``, and optionally ``readings``). Without it,
    the folder names the implementation and every capability is declared, so no scenario is silently not
    applicable."""
    path = folder / IDENTITY
    if not path.exists():
        return TargetIdentity((folder.resolve().name or "recorded traces")[:_NAME_LENGTH], "unknown")
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as error:
        raise KitUsageError(f"{path} cannot be read as JSON: {_shown(error)}") from None
    if not isinstance(document, dict):
        raise KitUsageError(f"{path} must hold a JSON object with 'implementation' and 'capabilities'")
    hello = {"type": "hello", "protocol": PROTOCOL_VERSION, **document}
    try:
        validate("protocol", hello, "hello_response")
    except SchemaViolation as violation:
        raise KitUsageError(
            f"{path} breaks the hello schema (schemas/protocol.schema.json, hello_response) at "
            f"{violation.path}: {_shown(violation.message)}"
        ) from None
    implementation = hello["implementation"]
    return TargetIdentity(
        implementation["name"],
        implementation["version"],
        frozenset(hello["capabilities"]),
        hello.get("readings", {}),
    )


def _recorded(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Trace files by the scenario key that ends their names. The suite states a few scenarios twice
    (a worked example restated under a rule), so one key can name several files."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.json")):
        match = KEY_PATTERN.search(path.stem)
        if match is not None:
            found.setdefault(match["key"], []).append(path)
    return {key: tuple(paths) for key, paths in found.items()}


def read_trace(path: Path) -> Trace:
    """One recorded trace; what makes it unreadable is a protocol violation, quoted with its JSON path."""
    name = _shown(path.name)
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise TargetError(f"trace file {name} cannot be read: {_shown(error.strerror or error)}") from None
    except RecursionError:
        raise TargetError(f"trace file {name} is nested too deep to read") from None
    except ValueError as error:
        raise TargetError(f"trace file {name} is not JSON: {_shown(error)}") from None
    try:
        return trace_from_json(document)
    except RecursionError:
        raise TargetError(f"trace file {name} is nested too deep to check against the schema") from None
    except SchemaViolation as violation:
        raise TargetError(
            f"trace file {name} breaks schemas/trace.schema.json at {violation.path}: "
            f"{_shown(violation.message)}"
        ) from None


class ReplayTarget:
    """A Target that answers from a folder of recorded traces."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise KitUsageError(f"--traces {folder}: no such folder")
        self.folder = folder
        self.identity = read_identity(folder)
        self._recorded = _recorded(folder)

    def run(self, scenario: Scenario) -> Trace:
        key = scenario_key(scenario)
        paths = self._recorded.get(key, ())
        if not paths:
            raise TargetError(
                f"no trace recorded for this scenario in {_shown(self.folder)}: expected a file named like "
                f"its exported scenario, <id>--{key}.json (retry-kit export lists the IDs in index.json)",
                kind=ErrorKind.MISSING_TRACE,
            )
        first = read_trace(paths[0])
        for path in paths[1:]:
            if canonical(read_trace(path)) != canonical(first):
                raise TargetError(
                    f"{_shown(paths[0].name)} and {_shown(path.name)} were recorded for the same scenario "
                    "and make different decisions",
                    kind=ErrorKind.NONDETERMINISTIC,
                )
        return first

    def close(self) -> None:
        """Nothing is held open between scenarios."""
