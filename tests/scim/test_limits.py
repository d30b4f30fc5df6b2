"""What a parsed JSON document may hold: nesting, numbers, NUL (scim/limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.scim.limits import (
    MAX_INTEGER,
    MAX_NESTING,
    MIN_INTEGER,
    NESTING_PROBLEM,
    NUL_PROBLEM,
    NUMBER_PROBLEM,
    document_problem,
)


def nested(levels: int, leaf: Any = 1) -> Any:
    """A document ``levels`` containers deep, alternating objects and lists."""
    value = leaf
    for level in range(levels):
        value = {"a": value} if level % 2 else [value]
    return value


class TestNesting:
    def test_the_limit_is_accepted(self) -> None:
        assert document_problem(nested(MAX_NESTING)) is None

    def test_one_level_more_is_refused(self) -> None:
        assert document_problem(nested(MAX_NESTING + 1)) == NESTING_PROBLEM
        assert str(MAX_NESTING) in NESTING_PROBLEM

    def test_scalars_do_not_count_as_a_level(self) -> None:
        assert document_problem(nested(MAX_NESTING, leaf="text")) is None
        assert document_problem(nested(MAX_NESTING, leaf=[])) == NESTING_PROBLEM

    def test_far_past_the_recursion_limit_without_recursing(self) -> None:
        assert document_problem(nested(50_000)) == NESTING_PROBLEM

    def test_the_deepest_branch_counts(self) -> None:
        document = {"shallow": 1, "deep": nested(MAX_NESTING)}
        assert document_problem(document) == NESTING_PROBLEM


class TestNumbers:
    @pytest.mark.parametrize("value", [0, 1.5, -2.25, MAX_INTEGER, MIN_INTEGER, True, None])
    def test_in_range(self, value: Any) -> None:
        assert document_problem({"n": [value]}) is None

    @pytest.mark.parametrize(
        "value",
        [
            *(MAX_INTEGER + 1, MIN_INTEGER - 1, 2**64, 10**400),
            *(1.8446744073709552e19, -1e300, float(MAX_INTEGER), float(MIN_INTEGER)),
        ],
    )
    def test_out_of_range(self, value: Any) -> None:
        assert document_problem({"n": [value]}) == NUMBER_PROBLEM

    @pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
    def test_not_a_number_is_refused(self, value: float) -> None:
        """Python's json (the admin API) reads NaN and Infinity; no column stores them."""
        assert document_problem({"n": value}) == NUMBER_PROBLEM


class TestNul:
    @pytest.mark.parametrize("document", [{"a": "x\x00"}, {"a\x00": 1}, ["ok", ["\x00"]], "\x00"])
    def test_anywhere(self, document: Any) -> None:
        assert document_problem(document) == NUL_PROBLEM


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _has_problem(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return not MIN_INTEGER <= value <= MAX_INTEGER
    if isinstance(value, float):
        return not -(2.0**63) < value < 2.0**63
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    return any(
        (isinstance(key, str) and "\x00" in key) or _has_problem(item) for key, item in items
    )


@given(json_values, st.integers(min_value=0, max_value=80))
def test_agrees_with_a_recursive_definition(value: Any, wrap: int) -> None:
    document = nested(wrap, value)
    expected = _depth(document) > MAX_NESTING or _has_problem(document)
    assert (document_problem(document) is not None) == expected
