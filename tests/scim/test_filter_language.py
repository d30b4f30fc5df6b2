"""The filter language (RFC 7644 §3.4.2.2): parsing, printing, evaluating, limits."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import And, AttrPath, Compare, Filter, Not, Or, Present, ValuePath
from scimbridge.scim.filter.evaluate import matches
from scimbridge.scim.filter.parser import MAX_COMPARISONS, MAX_DEPTH, parse_attr_path, parse_filter
from scimbridge.scim.filter.printer import format_filter

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# RFC 7644 §3.4.2.2, the example filters of Figure 2.
RFC_EXAMPLES = [
    'userName eq "bjensen"',
    'name.familyName co "O\'Malley"',
    'userName sw "J"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
    "title pr",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or '
    'ims[type eq "xmpp" and value co "@foo.com"]',
]


class TestParse:
    @pytest.mark.parametrize("text", RFC_EXAMPLES)
    def test_rfc_examples_parse_and_round_trip(self, text: str) -> None:
        tree = parse_filter(text)
        assert parse_filter(format_filter(tree)) == tree

    def test_precedence_not_and_or(self) -> None:
        tree = parse_filter("a eq 1 or b eq 2 and not (c eq 3)")
        assert isinstance(tree, Or)
        assert isinstance(tree.right, And)
        assert isinstance(tree.right.right, Not)

    def test_grouping_overrides_precedence(self) -> None:
        tree = parse_filter("(a eq 1 or b eq 2) and c eq 3")
        assert isinstance(tree, And)
        assert isinstance(tree.left, Or)

    def test_operators_are_case_insensitive_names_are_kept(self) -> None:
        assert parse_filter('UserName EQ "x" AND Active Eq TRUE') == And(
            Compare(AttrPath(None, "UserName"), "eq", "x"),
            Compare(AttrPath(None, "Active"), "eq", True),
        )

    def test_urn_with_dots_and_sub_attribute(self) -> None:
        tree = parse_filter(f'{ENTERPRISE}:manager.value eq "m1"')
        assert tree == Compare(AttrPath(ENTERPRISE, "manager", "value"), "eq", "m1")

    def test_literals(self) -> None:
        assert parse_filter("a eq null") == Compare(AttrPath(None, "a"), "eq", None)
        assert parse_filter("a gt -1.5e2") == Compare(AttrPath(None, "a"), "gt", -150.0)
        assert parse_filter('a eq "\\u00e9\\"q"') == Compare(AttrPath(None, "a"), "eq", 'é"q')

    def test_value_path(self) -> None:
        assert parse_filter('emails[type eq "work"]') == ValuePath(
            AttrPath(None, "emails"), Compare(AttrPath(None, "type"), "eq", "work")
        )

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "userName",
            "userName eq",
            'userName eq "unterminated',
            'userName zz "x"',
            'userName pr "x"',
            'userName eq "x" and',
            'userName eq "x")',
            "(userName eq 1",
            'emails[type eq "work"',
            "emails[types[value eq 1]]",
            "emails[urn:x:y eq 1]",
            "not userName eq 1",
            'userName eq "x" trailing',
            "a eq 1 @",
            "a eq tru",
            "a eq 01x",
            "a.b.c eq 1",
            "1abc eq 1",
        ],
    )
    def test_malformed_is_invalid_filter(self, text: str) -> None:
        with pytest.raises(ScimError) as caught:
            parse_filter(text)
        assert caught.value.status == 400
        assert caught.value.scim_type == "invalidFilter"

    @pytest.mark.parametrize(
        "text",
        [
            "(" * (MAX_DEPTH + 1) + "a eq 1" + ")" * (MAX_DEPTH + 1),
            " or ".join(["a eq 1"] * (MAX_COMPARISONS + 1)),
            "a eq " + '"' + "x" * 5000 + '"',
            "(" * 100_000,
            "a" * 50_000 + "!",
        ],
    )
    def test_limits_answer_400_not_recursion(self, text: str) -> None:
        with pytest.raises(ScimError) as caught:
            parse_filter(text)
        assert caught.value.scim_type == "invalidFilter"

    def test_attr_path(self) -> None:
        assert parse_attr_path("name.givenName") == AttrPath(None, "name", "givenName")
        with pytest.raises(ScimError):
            parse_attr_path('name eq "x"')


class TestEvaluate:
    USER: ClassVar[dict[str, Any]] = {
        "userName": "BJensen",
        "title": "Tour Guide",
        "active": True,
        "emails": [
            {"value": "bjensen@example.com", "type": "work"},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        ENTERPRISE: {"department": "Sales"},
    }

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('userName eq "bjensen"', True),
            ('USERNAME eq "BJENSEN"', True),
            ('userName ne "bjensen"', False),
            ('title co "guide"', True),
            ('title sw "tour"', True),
            ('title ew "GUIDE"', True),
            ("title pr", True),
            ("nickName pr", False),
            ('nickName ne "x"', True),
            ('emails co "jensen.org"', True),
            ('emails[type eq "work" and value co "@example.com"]', True),
            ('emails[type eq "work" and value co "@jensen.org"]', False),
            ('emails.type eq "home"', True),
            ('meta.lastModified gt "2011-05-13T04:00:00Z"', True),
            ('meta.lastModified lt "2011-05-13T04:00:00+00:00"', False),
            (f'{ENTERPRISE}:department eq "sales"', True),
            ("active eq true", True),
            ('not (userName eq "bjensen")', False),
            ('userName eq "x" or title pr', True),
        ],
    )
    def test_matches(self, text: str, expected: bool) -> None:
        assert matches(parse_filter(text), self.USER) is expected

    def test_case_exact_is_honoured(self) -> None:
        tree = parse_filter('userName eq "bjensen"')
        assert not matches(tree, self.USER, case_exact=lambda path: True)

    def test_boolean_ordering_is_an_error(self) -> None:
        with pytest.raises(ScimError):
            matches(parse_filter("active gt true"), self.USER)


# --------------------------------------------------------------------------- properties


def literal_text(max_size: int) -> st.SearchStrategy[str]:
    """String literals the language admits: anything but NUL and lone surrogates (the lexer
    refuses both: no JSON string can carry them)."""
    return st.text(
        st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=max_size
    )


names = st.sampled_from(["userName", "title", "emails", "name", ENTERPRISE + ":department"])
subs = st.one_of(st.none(), st.sampled_from(["value", "type", "givenName"]))
paths = st.builds(
    lambda name, sub: AttrPath(*(name.rsplit(":", 1) if ":" in name else (None, name)), sub),  # type: ignore[misc]
    names,
    subs,
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    literal_text(max_size=12),
)
leaves = st.one_of(
    st.builds(Present, paths),
    st.builds(
        Compare,
        paths,
        st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]),
        values,
    ),
)
relative = st.builds(
    Compare,
    st.builds(AttrPath, st.none(), st.sampled_from(["value", "type"])),
    st.just("eq"),
    literal_text(max_size=5),
)
trees: st.SearchStrategy[Filter] = st.recursive(
    st.one_of(
        leaves, st.builds(ValuePath, st.builds(AttrPath, st.none(), st.just("emails")), relative)
    ),
    lambda children: st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printing_then_parsing_gives_the_same_tree(tree: Filter) -> None:
    assert parse_filter(format_filter(tree)) == tree


tokens = st.sampled_from(
    [
        "userName",
        "eq",
        "ne",
        "co",
        "pr",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        "1",
        "true",
        "null",
        " ",
        ".",
        ":",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(tokens, max_size=20).map(" ".join)))
def test_any_input_parses_or_fails_with_invalid_filter(text: str) -> None:
    failure: ScimError | None = None
    try:
        parse_filter(text)
    except ScimError as error:
        failure = error
    if failure is not None:
        assert (failure.status, failure.scim_type) == (400, "invalidFilter")
