"""The kit's messages written by orjson say what the standard library would write: every message reads
back as sent, and one orjson cannot write is written all the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrykit import wire

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
)
"""What the kit writes: its numbers are finite."""


@given(st.dictionaries(st.text(), _VALUES, max_size=4))
def test_a_message_written_reads_back_as_sent(message: dict[str, Any]) -> None:
    written = wire.line(message)
    assert written.endswith(b"\n") and written.count(b"\n") == 1
    assert json.loads(written) == message


@pytest.mark.parametrize("message", [{"name": "vm\ud800"}, {"count": 2**70}, {"count": -(2**63) - 1}])
def test_what_orjson_cannot_write_is_written_all_the_same(message: dict[str, Any]) -> None:
    assert json.loads(wire.line(message)) == message
