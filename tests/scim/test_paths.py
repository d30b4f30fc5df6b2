"""PATCH attribute paths (RFC 7644 §3.5.2 ``PATH``, §3.10)."""

from __future__ import annotations

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import And, AttrPath, Compare, Not, Or, Present
from scimbridge.scim.paths import MAX_PATH_LENGTH, PatchPath, format_path, parse_path

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_URIS = (CORE_USER, ENTERPRISE)


def eq(name: str, value: str) -> Compare:
    return Compare(AttrPath(None, name), "eq", value)


CASES: list[tuple[str, PatchPath]] = [
    ("userName", PatchPath(None, "userName")),
    ("name.givenName", PatchPath(None, "name", None, "givenName")),
    ("members.$ref", PatchPath(None, "members", None, "$ref")),
    (
        'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
        PatchPath(None, "members", eq("value", "2819c223-7f76-453a-919d-413861904646")),
    ),
    (
        'members[value eq "a" or value eq "b"]',
        PatchPath(None, "members", Or(eq("value", "a"), eq("value", "b"))),
    ),
    ('emails[type eq "work"].value', PatchPath(None, "emails", eq("type", "work"), "value")),
    (
        'addresses[type eq "work"].streetAddress',
        PatchPath(None, "addresses", eq("type", "work"), "streetAddress"),
    ),
    (
        'emails[type eq "work" and not (primary pr)]',
        PatchPath(None, "emails", And(eq("type", "work"), Not(Present(AttrPath(None, "primary"))))),
    ),
    (f"{ENTERPRISE}:manager", PatchPath(ENTERPRISE, "manager")),
    (f"{ENTERPRISE}:manager.value", PatchPath(ENTERPRISE, "manager", None, "value")),
    (f"{CORE_USER}:name.familyName", PatchPath(CORE_USER, "name", None, "familyName")),
    (
        f'{CORE_USER}:emails[type eq "work"].value',
        PatchPath(CORE_USER, "emails", eq("type", "work"), "value"),
    ),
    ('members[value eq "a]b"]', PatchPath(None, "members", eq("value", "a]b"))),
    ('members[value eq "q\\"]"]', PatchPath(None, "members", eq("value", 'q"]'))),
    ('emails[value eq "[x]"].display', PatchPath(None, "emails", eq("value", "[x]"), "display")),
]


class TestForms:
    @pytest.mark.parametrize(("text", "expected"), CASES)
    def test_with_known_schema_uris(self, text: str, expected: PatchPath) -> None:
        assert parse_path(text, USER_URIS) == expected

    @pytest.mark.parametrize(("text", "expected"), CASES)
    def test_without_schema_uris_splits_at_the_last_colon(
        self, text: str, expected: PatchPath
    ) -> None:
        assert parse_path(text) == expected

    @pytest.mark.parametrize(("text", "expected"), CASES)
    def test_format_round_trips(self, text: str, expected: PatchPath) -> None:
        assert parse_path(format_path(expected), USER_URIS) == expected

    def test_bare_schema_urn_is_the_extension_object(self) -> None:
        assert parse_path(ENTERPRISE, USER_URIS) == PatchPath(ENTERPRISE, None)
        assert format_path(PatchPath(ENTERPRISE, None)) == ENTERPRISE

    def test_schema_urn_matches_case_insensitively_and_keeps_the_canonical_spelling(
        self,
    ) -> None:
        assert parse_path(ENTERPRISE.lower(), USER_URIS) == PatchPath(ENTERPRISE, None)
        assert parse_path(f"{ENTERPRISE.upper()}:Manager.Value", USER_URIS) == PatchPath(
            ENTERPRISE, "Manager", None, "Value"
        )

    def test_longest_known_uri_wins(self) -> None:
        uris = ("urn:example:schema", "urn:example:schema:ext")
        assert parse_path("urn:example:schema:ext:a", uris) == PatchPath(
            "urn:example:schema:ext", "a"
        )
        assert parse_path("urn:example:schema:a", uris) == PatchPath("urn:example:schema", "a")

    def test_surrounding_whitespace_is_ignored(self) -> None:
        assert parse_path("  name.givenName\n") == PatchPath(None, "name", None, "givenName")

    def test_names_are_kept_as_written(self) -> None:
        assert parse_path('EMAILS[TYPE EQ "work"].VALUE') == PatchPath(
            None, "EMAILS", eq("TYPE", "work"), "VALUE"
        )

    def test_unknown_urn_without_schema_uris(self) -> None:
        assert parse_path("urn:example:custom:1.0:User:badge") == PatchPath(
            "urn:example:custom:1.0:User", "badge"
        )


INVALID = [
    "",
    "   ",
    ".",
    "name.",
    ".name",
    "name..givenName",
    "name.givenName.x",
    "name givenName",
    "1name",
    "na!me",
    "émails",
    "[type eq 1]",
    "emails[",
    "emails]",
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    "emails[]",
    'emails[type eq "work"]value',
    'emails[type eq "work"].',
    'emails[type eq "work"].value.x',
    'emails[type eq "work"][value pr]',
    'emails[type eq "work"] .value',
    'emails[type eq "unterminated]',
    'emails[type[value eq "x"]]',
    'name.givenName[value eq "x"]',
    "emails[urn:x:type eq 1]",
    "emails[a.b eq 1]",
    "emails[type eq]",
    "emails[type]",
    'emails[type eq "x" and]',
    f'{ENTERPRISE}[value eq "x"]',
    f"{ENTERPRISE}:",
    f"{ENTERPRISE}:manager:value",
    ":userName",
    "urn:",
    "a" * (MAX_PATH_LENGTH + 1),
    "emails[" + "(" * 40 + "value pr" + ")" * 40 + "]",
]


class TestErrors:
    @pytest.mark.parametrize("text", INVALID)
    def test_malformed_is_400_invalid_path(self, text: str) -> None:
        with pytest.raises(ScimError) as caught:
            parse_path(text, USER_URIS)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidPath")
        assert caught.value.detail

    @pytest.mark.parametrize("text", [None, 3, ["name"]])
    def test_non_string_is_invalid_path(self, text: object) -> None:
        with pytest.raises(ScimError) as caught:
            parse_path(text)  # type: ignore[arg-type]
        assert caught.value.scim_type == "invalidPath"

    def test_filter_errors_are_reported_as_invalid_path_with_their_detail(self) -> None:
        with pytest.raises(ScimError, match="expected an operator") as caught:
            parse_path('emails[type zz "work"]')
        assert caught.value.scim_type == "invalidPath"

    def test_long_quoted_bracket_content_is_linear(self) -> None:
        text = 'emails[value eq "' + "]" * (MAX_PATH_LENGTH - 30) + '"]'
        assert parse_path(text).value_filter == eq("value", "]" * (MAX_PATH_LENGTH - 30))
