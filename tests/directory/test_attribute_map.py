"""``attribute_map`` paths are checked against the schemas (RFC 7643 §4, RFC 7644 §3.10)."""

from __future__ import annotations

import pytest

from scimbridge.directory.attribute_map import AttributeMapError, check_attribute_map, path_problem
from scimbridge.directory.normalize import DEFAULT_ATTRIBUTE_MAP, lookup_attribute
from tests.factories import ENTERPRISE

CUSTOM_OKTA = "urn:okta:acme_1:1.0:user:custom"
CUSTOM_ENTRA = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User"


def test_the_provider_defaults_pass() -> None:
    assert check_attribute_map(DEFAULT_ATTRIBUTE_MAP) == DEFAULT_ATTRIBUTE_MAP


@pytest.mark.parametrize(
    "path",
    [
        "title",
        "name.givenName",
        "NAME.GIVENNAME",  # attribute names are case-insensitive (RFC 7643 §2.1)
        "emails",
        'emails[type eq "work"].value',
        'emails[type eq "work" and primary eq true].value',
        "roles[primary eq true].value",
        f"{ENTERPRISE}:manager.value",
        ENTERPRISE,
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        f"{CUSTOM_OKTA}:costCenter",
        f"{CUSTOM_ENTRA}:badge",
    ],
)
def test_valid_paths(path: str) -> None:
    assert path_problem(path) is None


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("titel", "'titel' is not an attribute of the core User schema"),
        ("name.givenNme", "'name.givenNme' is not an attribute"),
        (f"{ENTERPRISE}:departmnt", "'departmnt' is not an attribute of the Enterprise User"),
        ('emails[tpye eq "work"].value', "names 'tpye'"),
        ('emails[type eq "work"].valeu', "'emails.valeu' is not an attribute"),
        ('title[value eq "x"]', "needs a multi-valued attribute"),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:Usr:department", "did you mean"),
        ("urn:ietf:params:scim:schemas:core:2.0:Usr:title", "not a schema this server knows"),
        ("urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "Group schema"),
        ("urn:ietf:params:scim:schemas:core:2.0:User", "names a schema"),
        ("enterprise:department", "not a schema URN"),
        ("groups.display", "cannot be mapped"),
        ("password", "cannot be mapped"),
        ('emails[type eq "work"', "never closed"),
    ],
)
def test_invalid_paths_say_why(path: str, says: str) -> None:
    problem = path_problem(path)
    assert problem is not None
    assert says in problem


def test_the_error_names_key_and_path() -> None:
    with pytest.raises(AttributeMapError, match=r"attribute_map\['dept'\] = 'departmen'"):
        check_attribute_map({"job": "title", "dept": "departmen"})


@pytest.mark.parametrize("mapping", [{"": "title"}, {"x": ""}, {"x": 3}, {"x" * 201: "title"}])
def test_keys_and_values_must_be_names_and_paths(mapping: dict[str, object]) -> None:
    with pytest.raises(AttributeMapError):
        check_attribute_map(mapping)


def test_custom_extension_paths_are_read_where_canonicalize_stores_them() -> None:
    """Accepting custom URNs is only right because such values are stored and read."""
    stored = {CUSTOM_OKTA: {"costCenter": "CC-1"}, "title": "Eng"}
    assert lookup_attribute(stored, f"{CUSTOM_OKTA}:costCenter") == "CC-1"
