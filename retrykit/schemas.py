"""JSON Schema validation of everything that crosses the harness boundary."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from retrykit.paths import SCHEMAS


class SchemaViolation(ValueError):
    """A document does not match its schema; ``path`` is the JSON path of the first offending value."""

    def __init__(self, schema_name: str, path: str, message: str) -> None:
        super().__init__(f"{schema_name}: at {path}: {message}")
        self.schema_name = schema_name
        self.path = path
        self.message = message


@cache
def _registry() -> Registry:
    resources = []
    for file in sorted(SCHEMAS.glob("*.schema.json")):
        contents = json.loads(file.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema stored as ``schemas/<name>.schema.json``."""
    path = SCHEMAS / f"{name}.schema.json"
    if not path.is_file():
        raise FileNotFoundError(f"no schema named {name!r}: {path} does not exist")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def validator(name: str, definition: str | None = None) -> Draft202012Validator:
    """A validator for a whole schema, or for one of its ``$defs`` (a single protocol message, say)."""
    if definition is None:
        return Draft202012Validator(schema(name), registry=_registry())
    if definition not in schema(name).get("$defs", {}):
        raise KeyError(f"schema {name!r} has no definition {definition!r}")
    reference = {"$ref": f"{schema(name)['$id']}#/$defs/{definition}"}
    return Draft202012Validator(reference, registry=_registry())


def validate(name: str, document: object, definition: str | None = None) -> None:
    """Raise SchemaViolation naming the most relevant error, so a target author sees what to fix."""
    error = best_match(validator(name, definition).iter_errors(document))
    if error is not None:
        label = name if definition is None else f"{name}#{definition}"
        raise SchemaViolation(label, error.json_path, error.message)
