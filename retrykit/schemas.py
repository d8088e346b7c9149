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
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name), registry=_registry())


def validate(name: str, document: object) -> None:
    """Raise SchemaViolation naming the most relevant error, so a target author sees what to fix."""
    error = best_match(validator(name).iter_errors(document))
    if error is not None:
        raise SchemaViolation(name, error.json_path, error.message)
