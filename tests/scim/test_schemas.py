"""Schema definitions against RFC 7643 §3.1, §4 and the §8.7.1 representation."""

from __future__ import annotations

import pytest

from scimbridge.scim.schemas import (
    COMMON_ATTRIBUTES,
    ENTERPRISE_USER,
    ENTERPRISE_USER_SCHEMA,
    GROUP,
    GROUP_RESOURCE,
    GROUP_SCHEMA,
    RESOURCE_TYPES,
    USER,
    USER_RESOURCE,
    USER_SCHEMA,
    Attribute,
    Schema,
)

MULTI_VALUED_USER_ATTRIBUTES = (
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
)


def attribute(schema: Schema, name: str) -> Attribute:
    found = schema.attribute(name)
    assert found is not None, name
    return found


def common(name: str) -> Attribute:
    return next(a for a in COMMON_ATTRIBUTES if a.name == name)


class TestUserSchema:
    def test_user_name_characteristics(self) -> None:
        """RFC 7643 §8.7.1: required, caseExact false, uniqueness server."""
        user_name = attribute(USER, "userName")
        assert (user_name.required, user_name.case_exact, user_name.uniqueness) == (
            True,
            False,
            "server",
        )

    def test_every_rfc_attribute_is_defined(self) -> None:
        expected = {
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        }
        assert {a.name for a in USER.attributes} == expected

    def test_name_sub_attributes(self) -> None:
        name = attribute(USER, "name")
        assert name.type == "complex"
        assert not name.multi_valued
        assert [s.name for s in name.sub_attributes] == [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ]

    @pytest.mark.parametrize("name", MULTI_VALUED_USER_ATTRIBUTES)
    def test_multi_valued_attributes_have_the_standard_sub_attributes(self, name: str) -> None:
        """RFC 7643 §2.4: value, display, type, primary — all writable (§8.7.1)."""
        defined = attribute(USER, name)
        assert defined.multi_valued
        assert defined.type == "complex"
        assert {s.name for s in defined.sub_attributes} == {"value", "display", "type", "primary"}
        assert all(s.mutability == "readWrite" for s in defined.sub_attributes)
        primary = defined.sub("primary")
        assert primary is not None
        assert primary.type == "boolean"

    def test_value_types_of_photos_and_certificates(self) -> None:
        photo_value = attribute(USER, "photos").sub("value")
        assert photo_value is not None
        assert photo_value.type == "reference"
        assert photo_value.reference_types == ("external",)
        certificate = attribute(USER, "x509Certificates").sub("value")
        assert certificate is not None
        assert certificate.type == "binary"

    def test_canonical_types(self) -> None:
        phone_type = attribute(USER, "phoneNumbers").sub("type")
        assert phone_type is not None
        assert set(phone_type.canonical_values) == {
            "work",
            "home",
            "mobile",
            "fax",
            "pager",
            "other",
        }

    def test_addresses(self) -> None:
        addresses = attribute(USER, "addresses")
        assert addresses.multi_valued
        assert {s.name for s in addresses.sub_attributes} >= {
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary",
        }

    def test_groups_is_read_only(self) -> None:
        groups = attribute(USER, "groups")
        assert groups.mutability == "readOnly"
        assert groups.multi_valued
        assert all(s.mutability == "readOnly" for s in groups.sub_attributes)
        assert {s.name for s in groups.sub_attributes} == {"value", "$ref", "display", "type"}

    def test_password_is_write_only_and_never_returned(self) -> None:
        password = attribute(USER, "password")
        assert (password.mutability, password.returned) == ("writeOnly", "never")

    def test_active_is_boolean(self) -> None:
        assert attribute(USER, "active").type == "boolean"


class TestGroupSchema:
    def test_display_name_required(self) -> None:
        assert attribute(GROUP, "displayName").required

    def test_members(self) -> None:
        members = attribute(GROUP, "members")
        assert members.multi_valued
        assert members.type == "complex"
        assert {s.name for s in members.sub_attributes} == {"value", "$ref", "display", "type"}
        value = members.sub("value")
        assert value is not None
        assert value.mutability == "immutable"
        ref = members.sub("$ref")
        assert ref is not None
        assert set(ref.reference_types) == {"User", "Group"}


class TestEnterpriseUser:
    def test_attributes(self) -> None:
        assert [a.name for a in ENTERPRISE_USER.attributes] == [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager",
        ]

    def test_manager(self) -> None:
        manager = attribute(ENTERPRISE_USER, "manager")
        assert manager.type == "complex"
        assert not manager.multi_valued
        assert [s.name for s in manager.sub_attributes] == ["value", "$ref", "displayName"]
        display_name = manager.sub("displayname")
        assert display_name is not None
        assert display_name.mutability == "readOnly"


class TestCommonAttributes:
    def test_id(self) -> None:
        """RFC 7643 §3.1: readOnly, returned always, caseExact, issued by the server."""
        id_ = common("id")
        assert (id_.mutability, id_.returned, id_.case_exact, id_.uniqueness) == (
            "readOnly",
            "always",
            True,
            "server",
        )

    def test_external_id_is_case_exact_and_writable(self) -> None:
        external_id = common("externalId")
        assert external_id.case_exact
        assert external_id.mutability == "readWrite"

    def test_meta_sub_attributes_are_read_only(self) -> None:
        meta = common("meta")
        assert meta.mutability == "readOnly"
        assert {s.name for s in meta.sub_attributes} == {
            "resourceType",
            "created",
            "lastModified",
            "location",
            "version",
        }
        assert all(s.mutability == "readOnly" for s in meta.sub_attributes)
        created = meta.sub("created")
        assert created is not None
        assert created.type == "dateTime"

    def test_common_attributes_are_not_in_the_schemas(self) -> None:
        """They belong to every resource, not to a schema (RFC 7643 §3.1)."""
        for schema in (USER, GROUP, ENTERPRISE_USER):
            assert schema.attribute("id") is None


class TestLookups:
    def test_attribute_and_sub_lookup_ignore_case(self) -> None:
        """RFC 7643 §2.1: attribute names are case-insensitive."""
        assert attribute(USER, "USERNAME").name == "userName"
        emails = attribute(USER, "Emails")
        assert emails.name == "emails"
        value = emails.sub("VALUE")
        assert value is not None
        assert value.name == "value"
        assert USER.attribute("nope") is None
        assert emails.sub("nope") is None

    def test_names_are_unique_within_each_schema(self) -> None:
        for schema in (USER, GROUP, ENTERPRISE_USER):
            names = [a.name.casefold() for a in schema.attributes]
            assert len(names) == len(set(names)), schema.id
            for defined in schema.attributes:
                subs = [s.name.casefold() for s in defined.sub_attributes]
                assert len(subs) == len(set(subs)), defined.name

    def test_only_complex_attributes_have_sub_attributes(self) -> None:
        for schema in (USER, GROUP, ENTERPRISE_USER):
            for defined in schema.attributes:
                assert bool(defined.sub_attributes) == (defined.type == "complex"), defined.name


class TestResourceTypes:
    def test_user_resource(self) -> None:
        assert (USER_RESOURCE.id, USER_RESOURCE.endpoint) == ("User", "/Users")
        assert USER_RESOURCE.schema is USER
        assert USER_RESOURCE.schema_uris() == (USER_SCHEMA, ENTERPRISE_USER_SCHEMA)
        assert [e.required for e in USER_RESOURCE.extensions] == [False]

    def test_group_resource(self) -> None:
        assert (GROUP_RESOURCE.endpoint, GROUP_RESOURCE.schema_uris()) == (
            "/Groups",
            (GROUP_SCHEMA,),
        )
        assert RESOURCE_TYPES == (USER_RESOURCE, GROUP_RESOURCE)

    def test_schema_by_uri_ignores_case(self) -> None:
        assert USER_RESOURCE.schema_by_uri(ENTERPRISE_USER_SCHEMA.upper()) is ENTERPRISE_USER
        assert USER_RESOURCE.schema_by_uri(USER_SCHEMA) is USER
        assert USER_RESOURCE.schema_by_uri(GROUP_SCHEMA) is None

    def test_is_extension(self) -> None:
        assert USER_RESOURCE.is_extension(ENTERPRISE_USER)
        assert not USER_RESOURCE.is_extension(USER)
