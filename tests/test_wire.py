"""The protocol's JSON Lines, written and read by orjson, say what the standard library would: every
line reads as json.loads reads it, or fails as it fails, and every message written reads back as sent."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from retrykit import wire


def _values(numbers: st.SearchStrategy[float]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | numbers | st.text()
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
    )


_VALUES = _values(st.floats())
_WRITTEN = _values(st.floats(allow_nan=False, allow_infinity=False))
"""What the kit writes: its numbers are finite."""


def _outcome(read: Any, data: bytes) -> tuple[str, Any]:
    """("value", what the line reads as) or ("error", the kind of error reading it raised)."""
    try:
        return "value", read(data)
    except json.JSONDecodeError:
        return "error", json.JSONDecodeError
    except (RecursionError, ValueError) as error:
        return "error", type(error)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down, NaN equal to NaN (json reads it)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _agree(data: bytes) -> None:
    (kind, value) = _outcome(wire.read, data)
    (expected_kind, expected) = _outcome(lambda d: json.loads(wire.as_text(d)), data)
    assert kind == expected_kind, (data, value, expected)
    assert _same(value, expected) if kind == "value" else value is expected, (data, value, expected)


@given(_VALUES)
def test_a_line_the_standard_library_writes_reads_the_same(value: Any) -> None:
    _agree(json.dumps(value).encode("utf-8") + b"\n")
    _agree(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\r\n")


@given(st.binary(max_size=64))
@example(b'{"seq": 1}\xff')
@example(b'"\\ud800"')
@example(b"NaN")
@example(b"[" * 5000 + b"]" * 5000)
@example(b"1" * 5000)
@example(b"18446744073709551616")
@example(b"-9223372036854775809")
@example(b'{"seq": 1.0000000000000000002}')
@example(b"\xef\xbb\xbf{}")
@example(b'\x0c{"a": 1}\x0b')
@example(b'{"a": 1, "a": 2}')
@example(b"1e400")
def test_any_bytes_read_the_same(data: bytes) -> None:
    _agree(data)


_TOKENS = [b"{", b"}", b"[", b"]", b'"a"', b":", b",", b"1", b"-", b".", b"e", b"0", b" ", b"\t", b"true"]
_TOKENS += [b"null", b"\\u0000", b'"\\ud83d\\ude00"', b'"\\udc00"', b"9" * 19, b"\xc3\xa9", b"\xff", b"\x0c"]


@given(st.lists(st.sampled_from(_TOKENS), max_size=30))
def test_lines_near_json_read_the_same(tokens: list[bytes]) -> None:
    _agree(b"".join(tokens))


@given(st.dictionaries(st.text(), _WRITTEN, max_size=4))
def test_a_message_written_reads_back_as_sent(message: dict[str, Any]) -> None:
    written = wire.line(message)
    assert written.endswith(b"\n") and written.count(b"\n") == 1
    assert _same(wire.read(written), json.loads(written))
    assert json.loads(written) == message


@pytest.mark.parametrize("message", [{"name": "vm\ud800"}, {"count": 2**70}, {"count": -(2**63) - 1}])
def test_what_orjson_cannot_write_is_written_all_the_same(message: dict[str, Any]) -> None:
    assert json.loads(wire.line(message)) == message
