"""Parsing and printing SCIM filters (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import (
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
)
from scimbridge.scim.filter.lexer import MAX_FILTER_LENGTH
from scimbridge.scim.filter.parser import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    parse_attr_path,
    parse_filter,
    parse_value_filter,
    split_attr_path,
)
from scimbridge.scim.filter.printer import format_filter, format_literal, format_path

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def path(name: str, sub: str | None = None, uri: str | None = None) -> AttrPath:
    return AttrPath(uri, name, sub)


def eq(name: str, value: object, sub: str | None = None) -> Compare:
    return Compare(path(name, sub), "eq", value)  # type: ignore[arg-type]


LAST_MODIFIED = path("meta", "lastModified")
EMAILS_EXAMPLE = Or(
    Compare(path("emails"), "co", "example.com"),
    Compare(path("emails", "value"), "co", "example.org"),
)

# RFC 7644 §3.4.2.2, Figure 2: every example filter and the tree it must give.
RFC_EXAMPLES: list[tuple[str, Filter]] = [
    ('userName eq "bjensen"', eq("userName", "bjensen")),
    ('name.familyName co "O\'Malley"', Compare(path("name", "familyName"), "co", "O'Malley")),
    ('userName sw "J"', Compare(path("userName"), "sw", "J")),
    (f'{CORE_USER}:userName sw "J"', Compare(path("userName", uri=CORE_USER), "sw", "J")),
    ("title pr", Present(path("title"))),
    (
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
        Compare(LAST_MODIFIED, "gt", "2011-05-13T04:42:34Z"),
    ),
    (
        'meta.lastModified ge "2011-05-13T04:42:34Z"',
        Compare(LAST_MODIFIED, "ge", "2011-05-13T04:42:34Z"),
    ),
    (
        'meta.lastModified lt "2011-05-13T04:42:34Z"',
        Compare(LAST_MODIFIED, "lt", "2011-05-13T04:42:34Z"),
    ),
    (
        'meta.lastModified le "2011-05-13T04:42:34Z"',
        Compare(LAST_MODIFIED, "le", "2011-05-13T04:42:34Z"),
    ),
    (
        'title pr and userType eq "Employee"',
        And(Present(path("title")), eq("userType", "Employee")),
    ),
    ('title pr or userType eq "Intern"', Or(Present(path("title")), eq("userType", "Intern"))),
    (f'schemas eq "{ENTERPRISE}"', eq("schemas", ENTERPRISE)),
    (
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        And(eq("userType", "Employee"), EMAILS_EXAMPLE),
    ),
    (
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        And(Compare(path("userType"), "ne", "Employee"), Not(EMAILS_EXAMPLE)),
    ),
    (
        'userType eq "Employee" and (emails.type eq "work")',
        And(eq("userType", "Employee"), eq("emails", "work", "type")),
    ),
    (
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        And(
            eq("userType", "Employee"),
            ValuePath(
                path("emails"),
                And(eq("type", "work"), Compare(path("value"), "co", "@example.com")),
            ),
        ),
    ),
    (
        'emails[type eq "work" and value co "@example.com"] or '
        'ims[type eq "xmpp" and value co "@foo.com"]',
        Or(
            ValuePath(
                path("emails"),
                And(eq("type", "work"), Compare(path("value"), "co", "@example.com")),
            ),
            ValuePath(
                path("ims"), And(eq("type", "xmpp"), Compare(path("value"), "co", "@foo.com"))
            ),
        ),
    ),
]


class TestRfcExamples:
    @pytest.mark.parametrize(("text", "tree"), RFC_EXAMPLES)
    def test_parses_to_the_expected_tree(self, text: str, tree: Filter) -> None:
        assert parse_filter(text) == tree

    @pytest.mark.parametrize(("text", "tree"), RFC_EXAMPLES)
    def test_prints_back_to_the_same_tree(self, text: str, tree: Filter) -> None:
        assert parse_filter(format_filter(tree)) == tree

    def test_canonical_text_of_the_rfc_examples_is_the_rfc_text(self) -> None:
        # The RFC's own spelling is canonical except for its redundant parentheses.
        redundant = {RFC_EXAMPLES[14][0]}
        for text, tree in RFC_EXAMPLES:
            if text not in redundant:
                assert format_filter(tree) == text


class TestPrecedence:
    A, B, C, D = eq("a", 1), eq("b", 2), eq("c", 3), eq("d", 4)

    @pytest.mark.parametrize(
        ("text", "tree"),
        [
            ("a eq 1 or b eq 2 and c eq 3", Or(A, And(B, C))),
            ("a eq 1 and b eq 2 or c eq 3", Or(And(A, B), C)),
            ("(a eq 1 or b eq 2) and c eq 3", And(Or(A, B), C)),
            ("a eq 1 or b eq 2 or c eq 3", Or(Or(A, B), C)),
            ("a eq 1 and b eq 2 and c eq 3", And(And(A, B), C)),
            ("a eq 1 or (b eq 2 or c eq 3)", Or(A, Or(B, C))),
            ("a eq 1 and (b eq 2 and c eq 3)", And(A, And(B, C))),
            ("not (a eq 1) and b eq 2", And(Not(A), B)),
            ("not (a eq 1 or b eq 2)", Not(Or(A, B))),
            ("a eq 1 or not (b eq 2) and c eq 3", Or(A, And(Not(B), C))),
            ("a eq 1 and b eq 2 or c eq 3 and d eq 4", Or(And(A, B), And(C, D))),
            ("((a eq 1))", A),
            ("not (not (a eq 1))", Not(Not(A))),
        ],
    )
    def test_not_binds_tighter_than_and_than_or(self, text: str, tree: Filter) -> None:
        assert parse_filter(text) == tree
        assert parse_filter(format_filter(tree)) == tree

    @pytest.mark.parametrize(
        ("tree", "text"),
        [
            (Or(A, And(B, C)), "a eq 1 or b eq 2 and c eq 3"),
            (And(Or(A, B), C), "(a eq 1 or b eq 2) and c eq 3"),
            (Or(A, Or(B, C)), "a eq 1 or (b eq 2 or c eq 3)"),
            (And(A, And(B, C)), "a eq 1 and (b eq 2 and c eq 3)"),
            (And(A, Or(B, C)), "a eq 1 and (b eq 2 or c eq 3)"),
            (Not(And(A, B)), "not (a eq 1 and b eq 2)"),
        ],
    )
    def test_printer_parenthesises_only_where_needed(self, tree: Filter, text: str) -> None:
        assert format_filter(tree) == text


class TestCaseAndNames:
    def test_operators_are_case_insensitive_names_are_kept(self) -> None:
        assert parse_filter('UserName EQ "x" AND Active Eq TRUE OR title PR') == Or(
            And(eq("UserName", "x"), eq("Active", True)), Present(path("title"))
        )

    def test_not_is_case_insensitive(self) -> None:
        assert parse_filter("NOT (a pr)") == Not(Present(path("a")))

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("userName", path("userName")),
            ("name.familyName", path("name", "familyName")),
            ("members.$ref", path("members", "$ref")),
            (f"{ENTERPRISE}:department", path("department", uri=ENTERPRISE)),
            (f"{ENTERPRISE}:manager.value", path("manager", "value", ENTERPRISE)),
            (f"{CORE_USER}:name.familyName", path("name", "familyName", CORE_USER)),
            ("urn:a:b", path("b", uri="urn:a")),
        ],
    )
    def test_attribute_paths_split_at_the_last_colon(self, text: str, expected: AttrPath) -> None:
        assert split_attr_path(text) == expected
        assert parse_attr_path(text) == expected
        assert parse_attr_path(f"  {text} ") == expected
        assert format_path(expected) == text

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "a.b.c",
            "a.",
            "a..b",
            "urn:x:",
            "urn:x:.b",
            "urn:x:1a",
            "a.1b",
            'name eq "x"',
            "a b",
            "(a)",
            "eq",
            '"a"',
            "a[type eq 1]",
        ],
    )
    def test_invalid_attribute_paths(self, text: str) -> None:
        with pytest.raises(ScimError) as caught:
            parse_attr_path(text)
        assert caught.value.scim_type == "invalidFilter"


class TestLiterals:
    @pytest.mark.parametrize(
        ("literal", "value"),
        [
            ('"x"', "x"),
            ('"\\u00e9\\"q"', 'é"q'),
            ("42", 42),
            ("-1.5e2", -150.0),
            ("true", True),
            ("False", False),
            ("NULL", None),
        ],
    )
    def test_compare_values(self, literal: str, value: object) -> None:
        assert parse_filter(f"a eq {literal}") == eq("a", value)

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, "null"),
            (True, "true"),
            (False, "false"),
            (7, "7"),
            (-0.5, "-0.5"),
            (1e16, "1e+16"),
            ('a"b\\', '"a\\"b\\\\"'),
            ("é\n", '"é\\n"'),
        ],
    )
    def test_literals_print_as_json(self, value: object, text: str) -> None:
        assert format_literal(value) == text  # type: ignore[arg-type]


class TestValuePaths:
    def test_inner_paths_are_relative(self) -> None:
        assert parse_filter('emails[type eq "work"]') == ValuePath(
            path("emails"), eq("type", "work")
        )

    def test_extension_attribute_value_path(self) -> None:
        assert parse_filter(f"{ENTERPRISE}:things[value pr]") == ValuePath(
            path("things", uri=ENTERPRISE), Present(path("value"))
        )

    def test_inner_filter_may_use_not_and_groups(self) -> None:
        assert parse_filter('emails[not (type eq "work") and (value pr)]') == ValuePath(
            path("emails"), And(Not(eq("type", "work")), Present(path("value")))
        )

    def test_value_path_combines_with_and_or(self) -> None:
        tree = parse_filter('emails[type eq "work"] and not (ims[value pr])')
        assert tree == And(
            ValuePath(path("emails"), eq("type", "work")),
            Not(ValuePath(path("ims"), Present(path("value")))),
        )

    def test_sub_attribute_after_the_brackets_joins_the_element_filter(self) -> None:
        """Entra-style ``emails[type eq "work"].value eq "x"``: RFC 7644 §3.4.2.2's filter
        grammar has no ``valuePath subAttr`` (only PATCH paths do, §3.5.2), so it is read
        as ``emails[type eq "work" and value eq "x"]`` and printed that way."""
        tree = parse_filter('emails[type eq "work"].value eq "x@contoso.com"')
        assert tree == ValuePath(
            path("emails"), And(eq("type", "work"), eq("value", "x@contoso.com"))
        )
        assert format_filter(tree) == 'emails[type eq "work" and value eq "x@contoso.com"]'
        assert parse_filter('EMAILS[TYPE EQ "work"].Value PR and userName eq "a"') == And(
            ValuePath(path("EMAILS"), And(eq("TYPE", "work"), Present(path("Value")))),
            eq("userName", "a"),
        )

    def test_sub_attribute_after_an_or_keeps_the_or_grouped(self) -> None:
        tree = parse_filter('emails[type eq "work" or type eq "home"].value ew ".org"')
        assert tree == ValuePath(
            path("emails"),
            And(
                Or(eq("type", "work"), eq("type", "home")),
                Compare(path("value"), "ew", ".org"),
            ),
        )
        assert parse_filter(format_filter(tree)) == tree

    def test_parse_value_filter_requires_relative_names(self) -> None:
        assert parse_value_filter('value eq "a" or value eq "b"') == Or(
            eq("value", "a"), eq("value", "b")
        )
        with pytest.raises(ScimError):
            parse_value_filter("name.givenName pr")


ERRORS = [
    "",
    "   ",
    "userName",
    "userName eq",
    'userName eq "unterminated',
    'userName zz "x"',
    'userName pr "x"',
    "userName pr 1",
    "userName pr null",
    'userName eq "x" and',
    'userName eq "x" or',
    'userName eq "x")',
    "(userName eq 1",
    "()",
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    "emails[]",
    'emails[type eq "work"].value',
    'emails[type eq "work"]. value eq "x"',
    'emails[type eq "work"] .value eq "x"',
    'emails[type eq "work"].value.display eq "x"',
    'emails[type eq "work"].urn:x:value eq "x"',
    'emails[type eq "work"].value[type eq "x"]',
    'emails[type eq "work"].value eq',
    '.value eq "x"',
    'userName.value eq "x" and (a eq 1).b eq 2',
    "emails[types[value eq 1]]",
    'emails[type[value eq 1] eq "x"]',
    "emails[urn:x:y eq 1]",
    "emails[a.b eq 1]",
    'name.givenName[value eq "x"]',
    "not userName eq 1",
    "not",
    "not ()",
    'userName eq "x" trailing',
    "a eq 1 @",
    "a eq tru",
    "a eq 01x",
    "a eq userName",
    "a eq (1)",
    "a eq [1]",
    'a eq "x" "y"',
    "a.b.c eq 1",
    "1abc eq 1",
    '"a" eq "a"',
    "eq eq 1",
    "and a pr",
    "a pr and and b pr",
    "a pr or",
    "a pr not (b pr)",
    "a eq 1 b eq 2",
    "a pr)",
    "[a pr]",
    "a pr pr",
    "a eq eq 1",
]


class TestErrors:
    @pytest.mark.parametrize("text", ERRORS)
    def test_malformed_is_400_invalid_filter(self, text: str) -> None:
        with pytest.raises(ScimError) as caught:
            parse_filter(text)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidFilter")
        assert caught.value.detail

    def test_pr_with_a_value_says_so(self) -> None:
        with pytest.raises(ScimError, match="'pr' at position 7 takes no value"):
            parse_filter('title pr "x"')

    def test_missing_value_says_so(self) -> None:
        with pytest.raises(ScimError, match="ends where a value"):
            parse_filter("userName eq")

    def test_trailing_garbage_names_its_position(self) -> None:
        with pytest.raises(ScimError, match="'trailing' at position 17"):
            parse_filter('userName eq "x" trailing')

    def test_nested_value_path_says_so(self) -> None:
        with pytest.raises(ScimError, match="cannot be nested"):
            parse_filter("emails[types[value eq 1]]")

    def test_non_string_input_is_invalid_filter(self) -> None:
        with pytest.raises(ScimError) as caught:
            parse_filter(None)  # type: ignore[arg-type]
        assert caught.value.scim_type == "invalidFilter"


def nested(depth: int) -> str:
    return "(" * depth + "a eq 1" + ")" * depth


class TestLimits:
    def test_max_depth_is_accepted(self) -> None:
        assert parse_filter(nested(MAX_DEPTH)) == eq("a", 1)

    def test_value_path_counts_as_a_level(self) -> None:
        text = "(" * (MAX_DEPTH - 1) + "emails[(value pr)]" + ")" * (MAX_DEPTH - 1)
        with pytest.raises(ScimError, match="nests deeper"):
            parse_filter(text)
        ok = "(" * (MAX_DEPTH - 1) + "emails[value pr]" + ")" * (MAX_DEPTH - 1)
        assert parse_filter(ok) == ValuePath(path("emails"), Present(path("value")))

    def test_not_counts_as_a_level(self) -> None:
        text = "not (" * MAX_DEPTH + "a pr" + ")" * MAX_DEPTH
        assert isinstance(parse_filter(text), Not)
        with pytest.raises(ScimError, match="nests deeper"):
            parse_filter("not (" + text + ")")

    def test_max_comparisons_is_accepted(self) -> None:
        tree = parse_filter(" or ".join(["a eq 1"] * MAX_COMPARISONS))
        assert isinstance(tree, Or)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (nested(MAX_DEPTH + 1), "nests deeper"),
            ("(" * 100_000, "characters"),
            ("(" * (MAX_FILTER_LENGTH - 10), "nests deeper"),
            ("not (" * 800, "nests deeper"),
            (" or ".join(["a eq 1"] * (MAX_COMPARISONS + 1)), "comparisons"),
            (" and ".join(["a pr"] * (MAX_COMPARISONS + 1)), "comparisons"),
            ("emails[" + " or ".join(["value pr"] * (MAX_COMPARISONS + 1)) + "]", "comparisons"),
            ("a" * (MAX_FILTER_LENGTH + 1), "characters"),
            ("a" * 50_000, "characters"),
            ('a eq "' + "x" * 5000 + '"', "characters"),
        ],
    )
    def test_limits_answer_400_never_recursion_error(self, text: str, message: str) -> None:
        with pytest.raises(ScimError, match=message) as caught:
            parse_filter(text)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidFilter")
