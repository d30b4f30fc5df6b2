"""Evaluating filters against one resource in memory (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import AttrPath, Compare, Present, ValuePath
from scimbridge.scim.filter.evaluate import matches, matches_element
from scimbridge.scim.filter.parser import parse_filter, parse_value_filter

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

BJENSEN: dict[str, Any] = {
    "schemas": [CORE_USER, ENTERPRISE],
    "userName": "BJensen",
    "name": {"familyName": "O'Malley", "givenName": "Barbara"},
    "title": "Tour Guide",
    "userType": "Employee",
    "nickName": "",
    "active": True,
    "loginCount": 42,
    "score": 2.5,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "ims": [{"value": "babs@foo.com", "type": "xmpp"}],
    "phoneNumbers": [],
    "x509Certificates": [{"display": "no value member"}],
    "meta": {"lastModified": "2011-05-13T04:42:34Z", "created": "2010-01-23T04:56:22+02:00"},
    ENTERPRISE: {"department": "Sales", "manager": {"value": "m-1"}, "costCenter": ""},
}


def check(text: str, resource: dict[str, Any] = BJENSEN) -> bool:
    return matches(parse_filter(text), resource)


class TestRfcExamples:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('userName eq "bjensen"', True),
            ('name.familyName co "O\'Malley"', True),
            ('userName sw "J"', False),
            ('userName sw "B"', True),
            (f'{CORE_USER}:userName sw "bj"', True),
            ("title pr", True),
            ('meta.lastModified gt "2011-05-13T04:42:34Z"', False),
            ('meta.lastModified ge "2011-05-13T04:42:34Z"', True),
            ('meta.lastModified lt "2011-05-13T04:42:34Z"', False),
            ('meta.lastModified le "2011-05-13T04:42:34Z"', True),
            ('title pr and userType eq "Employee"', True),
            ('title pr or userType eq "Intern"', True),
            (f'schemas eq "{ENTERPRISE}"', True),
            (
                'userType eq "Employee" and (emails co "example.com" or '
                'emails.value co "example.org")',
                True,
            ),
            (
                'userType ne "Employee" and not (emails co "example.com" or '
                'emails.value co "example.org")',
                False,
            ),
            ('userType eq "Employee" and (emails.type eq "work")', True),
            ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', True),
            (
                'emails[type eq "work" and value co "@example.com"] or '
                'ims[type eq "xmpp" and value co "@foo.com"]',
                True,
            ),
        ],
    )
    def test_figure_2(self, text: str, expected: bool) -> None:
        assert check(text) is expected


class TestStrings:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('USERNAME eq "BJENSEN"', True),
            ('username eq "bjensen "', False),
            ('title co "R GUI"', True),
            ('title sw "tour"', True),
            ('title ew "GUIDE"', True),
            ('title ew "tour"', False),
            ('title co ""', True),
            ('title gt "tour"', True),
            ('title lt "tour"', False),
            ('title ge "TOUR GUIDE"', True),
            ('title le "tour guide"', True),
            ('userName eq "bjensen" and title eq "TOUR GUIDE"', True),
            ('name.givenName eq "barbara"', True),
            ('NAME.GIVENNAME eq "barbara"', True),
            ("userName eq 42", False),
            ("userName eq true", False),
        ],
    )
    def test_case_insensitive_by_default(self, text: str, expected: bool) -> None:
        assert check(text) is expected

    def test_unicode_casefolding(self) -> None:
        assert check('name.familyName eq "STRASSE"', {"name": {"familyName": "Straße"}})

    def test_case_exact_is_honoured_per_path(self) -> None:
        tree = parse_filter('userName eq "bjensen" or title eq "tour guide"')
        assert matches(tree, BJENSEN)
        assert not matches(tree, BJENSEN, case_exact=lambda path: True)
        only_title = parse_filter('title eq "tour guide"')
        assert matches(only_title, BJENSEN, case_exact=lambda p: p.attr == "userName")

    def test_case_exact_receives_full_paths_inside_value_paths(self) -> None:
        asked: list[AttrPath] = []

        def case_exact(path: AttrPath) -> bool:
            asked.append(path)
            return True

        assert not matches(parse_filter('emails[type eq "WORK"]'), BJENSEN, case_exact=case_exact)
        assert asked[0] == AttrPath(None, "emails", "type")


class TestNumbersBooleansDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("loginCount eq 42", True),
            ("loginCount eq 42.0", True),
            ("loginCount gt 41.5", True),
            ("loginCount lt 42", False),
            ("loginCount le 42", True),
            ('loginCount eq "42"', False),
            ("score ge 2.5", True),
            ("score gt 3", False),
            ("active eq true", True),
            ("active eq false", False),
            ("active ne false", True),
            ("active eq 1", False),
            ("loginCount eq true", False),
            ('meta.lastModified gt "2011-05-13T04:00:00Z"', True),
            ('meta.lastModified lt "2011-05-13T04:00:00+00:00"', False),
            ('meta.lastModified eq "2011-05-13T06:42:34+02:00"', True),
            ('meta.lastModified eq "2011-05-13t04:42:34.000z"', True),
            ('meta.lastModified gt "2011-05-13T04:42:34"', False),
            ('meta.created lt "2010-01-23T03:00:00Z"', True),
            ('meta.lastModified gt "2011-05-13 04:42:33Z"', True),
            ('meta.lastModified gt "not a date"', False),
            ('meta.lastModified lt "a"', True),
        ],
    )
    def test_typed_comparisons(self, text: str, expected: bool) -> None:
        assert check(text) is expected

    @pytest.mark.parametrize(
        "text",
        [
            "active gt true",
            "active le false",
            "active co true",
            "title gt null",
            "title co null",
            "loginCount co 4",
            "loginCount sw 4",
            "nickName pr or active gt true",
        ],
    )
    def test_meaningless_operands_are_invalid_filter_whatever_the_data(self, text: str) -> None:
        for resource in (BJENSEN, {}):
            with pytest.raises(ScimError) as caught:
                check(text, resource)
            assert caught.value.scim_type == "invalidFilter"


class TestAbsenceAndPresence:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("title pr", True),
            ("nickName pr", False),
            ("missing pr", False),
            ("phoneNumbers pr", False),
            ("emails pr", True),
            ("emails.value pr", True),
            ("emails.display pr", False),
            ("x509Certificates pr", True),
            ("x509Certificates.value pr", False),
            ("name pr", True),
            ("active pr", True),
            ("loginCount pr", True),
            (f"{ENTERPRISE}:costCenter pr", False),
            (f"{ENTERPRISE}:manager pr", True),
            ("missing eq null", True),
            ("title eq null", False),
            ("missing ne null", False),
            ("title ne null", True),
            ("phoneNumbers eq null", True),
            ("emails.display eq null", True),
            ('missing ne "x"', True),
            ('missing eq "x"', False),
            ('not (missing eq "x")', True),
            ('missing co ""', False),
        ],
    )
    def test_pr_null_and_absent(self, text: str, expected: bool) -> None:
        assert check(text) is expected

    def test_false_and_zero_are_present(self) -> None:
        assert check("active pr and n pr", {"active": False, "n": 0})

    def test_complex_value_with_only_empty_members_is_not_present(self) -> None:
        assert not check("name pr", {"name": {"givenName": "", "familyName": None}})
        assert not check("emails pr", {"emails": [{"value": ""}, {}, None]})

    def test_deeply_nested_data_does_not_recurse(self) -> None:
        deep: Any = "x"
        for _ in range(5000):
            deep = [deep]
        assert check("a pr", {"a": deep})


class TestMultiValued:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('emails eq "babs@jensen.org"', True),
            ('emails co "JENSEN.ORG"', True),
            ('emails.type eq "home"', True),
            ('emails.type eq "other"', False),
            ('emails ne "babs@jensen.org"', False),
            ('emails ne "nobody@example.com"', True),
            ('emails.type ne "home"', False),
            ("emails.primary eq true", True),
            ('emails[type eq "work" and value co "@jensen.org"]', False),
            ('emails[type eq "home" and value co "@jensen.org"]', True),
            ('emails[not (type eq "work")]', True),
            ("emails[primary eq true]", True),
            ("emails[primary eq false]", False),
            ("emails[display pr]", False),
            ('phoneNumbers[type eq "work"]', False),
            ('missing[type eq "work"]', False),
            ('not (missing[type eq "work"])', True),
            (f'schemas eq "{CORE_USER.upper()}"', True),
            ('schemas[value sw "urn:ietf:params:scim:schemas:extension"]', True),
            ('name[givenName eq "barbara"]', True),
        ],
    )
    def test_any_element_matches(self, text: str, expected: bool) -> None:
        assert check(text) is expected


class TestExtensions:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (f'{ENTERPRISE}:department eq "sales"', True),
            (f'{ENTERPRISE.upper()}:DEPARTMENT eq "sales"', True),
            (f'{ENTERPRISE}:manager.value eq "M-1"', True),
            (f'{ENTERPRISE}:manager eq "m-1"', True),
            (f'{ENTERPRISE}:userName eq "bjensen"', False),
            (f'{CORE_USER}:name.familyName sw "o\'"', True),
            ('department eq "sales"', False),
            ('urn:example:other:department eq "sales"', False),
        ],
    )
    def test_extension_attributes_live_under_their_urn(self, text: str, expected: bool) -> None:
        assert check(text) is expected

    def test_absent_extension_has_no_attributes(self) -> None:
        resource = {"userName": "x", "department": "sales"}
        assert not check(f'{ENTERPRISE}:department eq "sales"', resource)
        assert check(f"{ENTERPRISE}:department eq null", resource)


class TestMatchesElement:
    MEMBER: dict[str, Any] = {"value": "2819c223", "display": "Babs", "type": "User"}  # noqa: RUF012

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('value eq "2819c223"', True),
            ('value eq "2819C223"', True),
            ('value eq "a" or value eq "2819c223"', True),
            ('type eq "Group"', False),
            ("display pr and not (missing pr)", True),
        ],
    )
    def test_complex_element(self, text: str, expected: bool) -> None:
        assert matches_element(parse_value_filter(text), self.MEMBER) is expected

    def test_simple_element_is_called_value(self) -> None:
        tree = parse_value_filter('value sw "urn:ietf"')
        assert matches_element(tree, CORE_USER)
        assert not matches_element(tree, "other")
        assert matches_element(Compare(AttrPath(None, "value"), "eq", 3), 3)

    def test_case_exact_receives_relative_paths(self) -> None:
        asked: list[AttrPath] = []

        def case_exact(path: AttrPath) -> bool:
            asked.append(path)
            return True

        assert not matches_element(
            parse_value_filter('value eq "2819C223"'), self.MEMBER, case_exact=case_exact
        )
        assert asked == [AttrPath(None, "value")]

    def test_errors_are_invalid_filter(self) -> None:
        with pytest.raises(ScimError) as caught:
            matches_element(parse_value_filter("value gt true"), self.MEMBER)
        assert caught.value.scim_type == "invalidFilter"

    def test_built_trees_work_too(self) -> None:
        tree = ValuePath(AttrPath(None, "emails"), Present(AttrPath(None, "type")))
        assert matches(tree, BJENSEN)
