"""JSON bodies: what ``parse_json`` refuses before any handler sees the document."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.api.bodies import InvalidJson, parse_json
from scimbridge.scim.limits import MAX_NESTING, document_problem
from tests.scim.test_limits import json_values, nested


def body(document: object) -> bytes:
    return json.dumps(document).encode()


def test_nesting_at_the_limit_is_parsed() -> None:
    assert parse_json(body({"x": nested(MAX_NESTING - 1)})) == {"x": nested(MAX_NESTING - 1)}


@pytest.mark.parametrize("levels", [MAX_NESTING + 1, 252, 600, 1023, 5000])
@pytest.mark.parametrize("leaf", [b"1", b"{}"])
def test_deeper_is_invalid_syntax_naming_the_limit(levels: int, leaf: bytes) -> None:
    """252+ levels failed in orjson's serialiser, 500+ in recursive walkers (500s on main);
    past 1,024 orjson refuses them itself, with the same answer."""
    with pytest.raises(InvalidJson) as caught:
        parse_json(b"[" * levels + leaf + b"]" * levels)
    assert caught.value.scim_type == "invalidSyntax"
    assert f"at most {MAX_NESTING} levels" in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"n": 9223372036854775808}',
        b'{"n": -9223372036854775809}',
        b'{"n": 18446744073709551616}',  # orjson reads it as a float
        b'{"n": 1e19}',
        b'{"n": 12345678901234567890123}',
        b'{"n": ' + b"9" * 400 + b"}",  # past a double: orjson's own error
    ],
)
def test_numbers_past_64_bits_are_invalid_value(raw: bytes) -> None:
    with pytest.raises(InvalidJson) as caught:
        parse_json(raw)
    assert caught.value.scim_type == "invalidValue"
    assert "9223372036854775807" in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"n": 9223372036854775807, "m": -9223372036854775808}',
        b'{"n": 1.5e3, "s": "2e99 1234567890123456789012"}',
    ],
)
def test_in_range_numbers_and_look_alike_strings_pass(raw: bytes) -> None:
    assert parse_json(raw) == json.loads(raw)


def test_nul_is_still_invalid_syntax() -> None:
    with pytest.raises(InvalidJson) as caught:
        parse_json(b'{"a\\u0000": 1}')
    assert caught.value.scim_type == "invalidSyntax"


@given(json_values, st.integers(min_value=0, max_value=80))
def test_the_byte_prefilter_never_skips_a_problem(value: object, wrap: int) -> None:
    """``parse_json`` walks only bodies whose bytes look suspect; it refuses exactly the
    documents the walk refuses (or that orjson cannot read at all)."""
    raw = json.dumps(nested(wrap, value)).encode()
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        with pytest.raises(InvalidJson):
            parse_json(raw)
        return
    if document_problem(parsed) is None:
        assert parse_json(raw) == parsed
    else:
        with pytest.raises(InvalidJson):
            parse_json(raw)
