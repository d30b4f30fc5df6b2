"""Properties of the filter and path languages, searched with Hypothesis.

* every tree the parser can produce prints to text that parses back to the same tree;
* no input whatsoever makes the parser, the evaluator or the path parser raise anything
  but ``ScimError`` 400 ``invalidFilter`` / ``invalidPath`` (RFC 7644 §3.12, Table 9).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import (
    COMPARE_OPS,
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    height,
)
from scimbridge.scim.filter.evaluate import matches, matches_element
from scimbridge.scim.filter.lexer import KEYWORDS
from scimbridge.scim.filter.parser import MAX_COMPARISONS, MAX_DEPTH, parse_filter
from scimbridge.scim.filter.printer import format_filter
from scimbridge.scim.paths import PatchPath, format_path, parse_path

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMA_URIS = (CORE_USER, ENTERPRISE)

RESOURCE: dict[str, Any] = {
    "schemas": [CORE_USER, ENTERPRISE],
    "userName": "bjensen",
    "title": "2011-05-13T04:42:34Z",
    "active": True,
    "count": 3,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "b@example.com", "type": "work", "primary": True}, {"type": None}],
    ENTERPRISE: {"department": "Sales", "manager": {"value": "m"}},
}

# ----------------------------------------------------------------------------- trees

LETTERS = string.ascii_letters
attr_names = st.builds(
    str.__add__, st.sampled_from(LETTERS), st.text(LETTERS + string.digits + "_$-", max_size=6)
).filter(lambda name: name.lower() not in KEYWORDS)
sub_attr_names = st.one_of(attr_names, st.just("$ref"))
uris = st.one_of(
    st.sampled_from([CORE_USER, ENTERPRISE, "urn:example:custom:1.0"]),
    st.builds(
        str.__add__,
        st.sampled_from(LETTERS),
        st.text(LETTERS + string.digits + "_$.:-", max_size=12),
    ),
)
absolute_paths = st.builds(AttrPath, st.none() | uris, attr_names, st.none() | sub_attr_names)
relative_paths = st.builds(AttrPath, st.none(), attr_names)
literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    # NUL and lone surrogates are refused by the lexer (no JSON string can carry them).
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12),
)


def comparisons(paths: st.SearchStrategy[AttrPath]) -> st.SearchStrategy[Filter]:
    return st.one_of(
        st.builds(Present, paths),
        st.builds(Compare, paths, st.sampled_from(COMPARE_OPS), literals),
    )


def logic(leaves: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.builds(And, children, children),
            st.builds(Or, children, children),
            st.builds(Not, children),
        ),
        max_leaves=8,
    )


value_paths = st.builds(
    ValuePath,
    st.builds(AttrPath, st.none() | uris, attr_names),
    logic(comparisons(relative_paths)),
)
trees = logic(st.one_of(comparisons(absolute_paths), value_paths))


def comparison_count(tree: Filter) -> int:
    if isinstance(tree, And | Or):
        return comparison_count(tree.left) + comparison_count(tree.right)
    if isinstance(tree, Not):
        return comparison_count(tree.operand)
    if isinstance(tree, ValuePath):
        return comparison_count(tree.filter)
    return 1


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printing_then_parsing_gives_the_same_tree(tree: Filter) -> None:
    assume(height(tree) <= MAX_DEPTH and comparison_count(tree) <= MAX_COMPARISONS)
    text = format_filter(tree)
    assert parse_filter(text) == tree
    assert format_filter(parse_filter(text)) == text


@settings(max_examples=200, deadline=None)
@given(
    st.builds(AttrPath, st.none() | uris, attr_names),
    st.none() | logic(comparisons(relative_paths)),
    st.none() | sub_attr_names,
)
def test_patch_paths_round_trip(
    attr_path: AttrPath, value_filter: Filter | None, sub_attr: str | None
) -> None:
    assume(value_filter is None or comparison_count(value_filter) <= MAX_COMPARISONS)
    path = PatchPath(attr_path.uri, attr_path.attr, value_filter, sub_attr)
    assert parse_path(format_path(path)) == path


# ------------------------------------------------- attr[filter].sub op value (Entra form)

element_subs = st.sampled_from(["value", "type", "primary", "display"])
element_words = st.sampled_from(["work", "WORK", "home", "b@example.com", "b", "", "x"])
element_leaves = st.one_of(
    st.builds(Present, st.builds(AttrPath, st.none(), element_subs)),
    st.builds(
        Compare,
        st.builds(AttrPath, st.none(), element_subs),
        st.sampled_from(["eq", "ne", "co", "sw", "ew"]),
        element_words,
    ),
    st.builds(
        Compare, st.just(AttrPath(None, "primary")), st.sampled_from(["eq", "ne"]), st.booleans()
    ),
)
element_filters = st.recursive(
    element_leaves,
    lambda c: st.one_of(st.builds(And, c, c), st.builds(Or, c, c), st.builds(Not, c)),
    max_leaves=4,
)
email_elements = st.fixed_dictionaries(
    {},
    optional={
        "value": element_words,
        "type": element_words,
        "primary": st.booleans(),
        "display": element_words,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    inner=element_filters,
    condition=element_leaves,
    emails=st.lists(email_elements, max_size=3),
)
def test_sub_attribute_after_value_filter_is_the_bracketed_and(
    inner: Filter, condition: Filter, emails: list[dict[str, Any]]
) -> None:
    """``emails[F].value eq "x"`` is ``emails[(F) and value eq "x"]`` (issue 12 §2;
    RFC 7644 §3.4.2.2 admits ``valuePath subAttr`` only in PATCH paths): the same tree,
    the same answer on any resource, and the printer writes the bracketed form."""
    assert isinstance(condition, Compare | Present)
    tail = format_filter(condition)
    suffixed = parse_filter(f"emails[{format_filter(inner)}].{tail}")
    bracketed = ValuePath(AttrPath(None, "emails"), And(inner, condition))
    assert suffixed == bracketed
    assert parse_filter(format_filter(suffixed)) == suffixed
    resource = {**RESOURCE, "emails": emails}
    try:
        expected = matches(bracketed, resource)
    except ScimError as error:
        assert_only_scim_error(error, "invalidFilter")
        return
    assert matches(suffixed, resource) == expected
    assert expected == any(
        matches_element(inner, e) and matches_element(condition, e) for e in emails
    )


# ----------------------------------------------------------------------------- any input

filter_tokens = st.sampled_from(
    [
        "userName",
        "emails",
        "name.givenName",
        f"{ENTERPRISE}:manager.value",
        "a.b.c",
        "eq",
        "NE",
        "co",
        "gt",
        "pr",
        "and",
        "OR",
        "not",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        '"2011-05-13T04:42:34Z"',
        '"\\u00e9',
        '"\\ud800"',
        '"',
        "\\",
        "1",
        "-2.5e3",
        "1e999",
        "01",
        "true",
        "null",
        " ",
        ".",
        ":",
        "$",
        "é",
    ]
)
filter_like = st.lists(filter_tokens, max_size=24).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)


def assert_only_scim_error(error: ScimError, scim_type: str) -> None:
    assert (error.status, error.scim_type) == (400, scim_type)
    assert isinstance(error.detail, str)
    assert error.detail


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), filter_like))
def test_any_text_parses_or_fails_with_invalid_filter(text: str) -> None:
    try:
        tree = parse_filter(text)
    except ScimError as error:
        assert_only_scim_error(error, "invalidFilter")
        return
    assert parse_filter(format_filter(tree)) == tree
    try:
        matches(tree, RESOURCE)
        matches_element(tree, RESOURCE["emails"][0])
        matches_element(tree, "scalar")
    except ScimError as error:
        assert_only_scim_error(error, "invalidFilter")


@settings(max_examples=200, deadline=None)
@given(trees)
def test_evaluating_any_tree_gives_a_bool_or_invalid_filter(tree: Filter) -> None:
    try:
        assert matches(tree, RESOURCE, case_exact=lambda path: path.attr == "userName") in (
            True,
            False,
        )
    except ScimError as error:
        assert_only_scim_error(error, "invalidFilter")


path_tokens = st.sampled_from(
    [
        "emails",
        "name",
        "givenName",
        ENTERPRISE,
        CORE_USER,
        "urn:x",
        ":",
        ".",
        "[",
        "]",
        "type",
        " eq ",
        " pr",
        " and ",
        '"work"',
        '"]"',
        '"',
        "\\",
        "value",
        "$ref",
        " ",
    ]
)
path_like = st.lists(path_tokens, max_size=16).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), path_like), st.sampled_from([(), SCHEMA_URIS]))
def test_any_text_is_a_path_or_invalid_path(text: str, schema_uris: tuple[str, ...]) -> None:
    try:
        path = parse_path(text, schema_uris)
    except ScimError as error:
        assert_only_scim_error(error, "invalidPath")
        return
    assert parse_path(format_path(path), schema_uris) == path
