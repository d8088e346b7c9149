"""The contract in schemas/: valid JSON Schema 2020-12, with examples that really validate."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from retrykit.codec import scenario_from_json, scenario_to_json, trace_from_json, trace_to_json
from retrykit.paths import SCHEMAS
from retrykit.reference import engine
from retrykit.strategies import scenarios
from retrykit.validation import SchemaViolation, _compiled, schema, validate, validator

NAMES = sorted(path.name.removesuffix(".schema.json") for path in SCHEMAS.glob("*.schema.json"))


def test_the_contract_has_its_schemas() -> None:
    assert {"scenario", "trace", "protocol", "report"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_against_the_2020_12_metaschema(name: str) -> None:
    document = schema(name)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


@pytest.mark.parametrize("name", ["scenario", "trace", "protocol"])
def test_every_example_validates(name: str) -> None:
    examples = schema(name)["examples"]
    assert examples
    for example in examples:
        validator(name).validate(example)


def test_protocol_examples_cover_every_message_type() -> None:
    types = {example["type"] for example in schema("protocol")["examples"]}
    assert types == {"hello", "run", "result", "skipped", "error", "shutdown"}


def test_scenario_examples_run_on_the_reference_and_give_schema_valid_traces() -> None:
    for example in schema("scenario")["examples"]:
        trace = trace_to_json(engine.run(scenario_from_json(example)))
        validate("trace", trace)


def test_the_trace_example_is_the_reference_answer_to_the_first_scenario_example() -> None:
    expected = schema("trace")["examples"][0]
    observed = trace_to_json(engine.run(scenario_from_json(schema("scenario")["examples"][0])))
    assert observed == expected


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (
            {
                "sessions": [
                    {
                        "number": 1,
                        "trigger": "scheduled",
                        "status": "ok",
                        "stopped_manually": False,
                        "attempts": [{"number": 1, "tasks": []}],
                    }
                ],
                "files": [],
            },
            "$.sessions[0].status",
        ),
        (
            {
                "sessions": [],
                "files": [{"id": "", "kind": "full", "session": 1, "attempt": 1, "restore_points": []}],
            },
            "$.files[0].id",
        ),
        ({"sessions": []}, "$"),
    ],
)
def test_violations_name_the_json_path(document: dict, path: str) -> None:
    with pytest.raises(SchemaViolation) as caught:
        trace_from_json(document)
    assert caught.value.path == path


def test_one_message_definition_can_be_validated_alone() -> None:
    validate("protocol", {"type": "error", "seq": 3, "message": "x"}, "error")
    with pytest.raises(SchemaViolation, match="protocol#result"):
        validate("protocol", {"type": "result", "seq": 0, "trace": {}}, "result")


def test_schemas_are_plain_json_files() -> None:
    for path in SCHEMAS.glob("*.schema.json"):
        json.loads(path.read_text(encoding="utf-8"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _places(document: object, path: tuple = ()) -> list[tuple]:
    """Every path into a JSON document, the document itself included."""
    places = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            places += _places(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            places += _places(value, (*path, index))
    return places


def _replaced(document: object, path: tuple, value: object) -> object:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copy


@st.composite
def near_misses(draw: st.DrawFn) -> tuple[str, object]:
    """A scenario, its trace or a result message, with one value somewhere replaced by any JSON value."""
    scenario = draw(scenarios())
    trace = trace_to_json(engine.run(scenario))
    name, document = draw(
        st.sampled_from(
            [
                ("scenario", scenario_to_json(scenario)),
                ("trace", trace),
                ("protocol", {"type": "result", "seq": 1, "trace": trace}),
            ]
        )
    )
    if draw(st.booleans()):
        document = _replaced(document, draw(st.sampled_from(_places(document))), draw(JSON_VALUES))
    return name, document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_misses())
def test_the_compiled_validator_agrees_with_jsonschema(case: tuple[str, object]) -> None:
    """The fast path may only ever say what jsonschema says, or a bad trace would slip through."""
    name, document = case
    assert _compiled(name, None).is_valid(document) == validator(name).is_valid(document)
