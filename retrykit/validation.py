"""JSON Schema validation of everything that crosses the harness boundary.

A compiled validator (jsonschema-rs) answers the common case, a valid document, in microseconds; a
document it rejects is explained by jsonschema, whose messages and JSON paths the kit quotes. A document
is refused only when jsonschema finds the error too, so jsonschema stays the authority.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from retrykit.paths import SCHEMAS

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from referencing import Registry


class SchemaViolation(ValueError):
    """A document does not match its schema; ``path`` is the JSON path of the first offending value."""

    def __init__(self, schema_name: str, path: str, message: str) -> None:
        super().__init__(f"{schema_name}: at {path}: {message}")
        self.schema_name = schema_name
        self.path = path
        self.message = message


@cache
def _registry() -> Registry:
    """jsonschema's registry, imported only to explain a document the compiled validator rejects: an
    adapter or a run that only meets valid documents starts without it (some 30 ms)."""
    from referencing import Registry, Resource

    return Registry().with_resources((c["$id"], Resource.from_contents(c)) for c in _contents())


@cache
def _compiled_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(contents["$id"], contents) for contents in _contents()])


@cache
def _contents() -> tuple[dict[str, Any], ...]:
    """Every schema file, read once for both registries."""
    return tuple(json.loads(f.read_text(encoding="utf-8")) for f in sorted(SCHEMAS.glob("*.schema.json")))


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema stored as ``schemas/<name>.schema.json``."""
    path = SCHEMAS / f"{name}.schema.json"
    if not path.is_file():
        raise FileNotFoundError(f"no schema named {name!r}: {path} does not exist")
    return json.loads(path.read_text(encoding="utf-8"))


def _target(name: str, definition: str | None) -> dict[str, Any]:
    """The schema to check against: a whole schema, or one of its ``$defs`` (one protocol message, say)."""
    if definition is None:
        return schema(name)
    if definition not in schema(name).get("$defs", {}):
        raise KeyError(f"schema {name!r} has no definition {definition!r}")
    return {"$ref": f"{schema(name)['$id']}#/$defs/{definition}"}


@cache
def validator(name: str, definition: str | None = None) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_target(name, definition), registry=_registry())


@cache
def _compiled(name: str, definition: str | None) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft202012Validator(_target(name, definition), registry=_compiled_registry())


def validate(name: str, document: object, definition: str | None = None) -> None:
    """Raise SchemaViolation naming the most relevant error, so a target author sees what to fix."""
    try:
        if _compiled(name, definition).is_valid(document):
            return
    except ValueError:
        pass  # not JSON data at all (a key that is not a string, say): jsonschema explains it
    from jsonschema.exceptions import best_match

    error = best_match(validator(name, definition).iter_errors(document))
    if error is not None:
        label = name if definition is None else f"{name}#{definition}"
        raise SchemaViolation(label, error.json_path, error.message)
