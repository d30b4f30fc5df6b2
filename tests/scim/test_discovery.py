"""Discovery documents (RFC 7644 §4; RFC 7643 §5 ServiceProviderConfig, §6, §7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimbridge.scim.discovery import (
    ScimLimits,
    resource_type,
    resource_types,
    schema_document,
    schemas_documents,
    service_provider_config,
)
from scimbridge.scim.errors import ScimError
from scimbridge.scim.schemas import (
    COMMON_ATTRIBUTES,
    ENTERPRISE_USER,
    GROUP,
    RESOURCE_TYPES,
    USER,
    Attribute,
    Schema,
)

BASE = "https://example.com/scim/v2/dir_1"


def strict_json(document: Any) -> Any:
    """Round-trip through strict JSON: no NaN, no tuples-as-lists surprises."""
    return json.loads(json.dumps(document, allow_nan=False))


class TestServiceProviderConfig:
    def test_tells_what_the_server_supports(self) -> None:
        config = service_provider_config(BASE, ScimLimits())
        assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
        assert config["patch"] == {"supported": True}
        assert config["bulk"] == {
            "supported": True,
            "maxOperations": 1000,
            "maxPayloadSize": 1_048_576,
        }
        assert config["filter"] == {"supported": True, "maxResults": 1000}
        assert config["changePassword"] == {"supported": False}
        assert config["sort"] == {"supported": True}
        assert config["etag"] == {"supported": True}
        assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]
        assert config["meta"] == {
            "resourceType": "ServiceProviderConfig",
            "location": f"{BASE}/ServiceProviderConfig",
        }
        assert strict_json(config) == config

    def test_limits_are_the_configured_ones(self) -> None:
        config = service_provider_config(BASE, ScimLimits(10, 2048, 50))
        assert (config["bulk"]["maxOperations"], config["bulk"]["maxPayloadSize"]) == (10, 2048)
        assert config["filter"]["maxResults"] == 50


class TestResourceTypes:
    def test_user_and_group(self) -> None:
        documents = resource_types(BASE)
        assert strict_json(documents) == documents
        by_id = {d["id"]: d for d in documents}
        assert by_id["User"] == {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": USER.id,
            "schemaExtensions": [{"schema": ENTERPRISE_USER.id, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{BASE}/ResourceTypes/User"},
        }
        assert by_id["Group"]["schema"] == GROUP.id
        assert by_id["Group"]["endpoint"] == "/Groups"

    @pytest.mark.parametrize("name", ["User", "user", "GROUP"])
    def test_one_by_name(self, name: str) -> None:
        assert resource_type(BASE, name)["id"].casefold() == name.casefold()

    def test_unknown_is_404(self) -> None:
        with pytest.raises(ScimError) as caught:
            resource_type(BASE, "Widget")
        assert caught.value.status == 404


def _assert_describes(document: dict[str, Any], attribute: Attribute) -> None:
    """The document states every characteristic of ``attribute`` (RFC 7643 §7)."""
    assert document["name"] == attribute.name
    assert document["type"] == attribute.type
    assert document["multiValued"] is attribute.multi_valued
    assert document["description"] == attribute.description
    assert document["required"] is attribute.required
    assert document["caseExact"] is attribute.case_exact
    assert document["mutability"] == attribute.mutability
    assert document["returned"] == attribute.returned
    assert document["uniqueness"] == attribute.uniqueness
    assert document.get("canonicalValues", []) == list(attribute.canonical_values)
    if attribute.type == "reference":
        assert document["referenceTypes"] == list(attribute.reference_types)
    if attribute.type == "complex":
        subs = document["subAttributes"]
        assert [s["name"] for s in subs] == [a.name for a in attribute.sub_attributes]
        for sub_document, sub in zip(subs, attribute.sub_attributes, strict=True):
            _assert_describes(sub_document, sub)


class TestSchemas:
    def test_every_schema_of_every_resource_type(self) -> None:
        documents = schemas_documents(BASE)
        assert strict_json(documents) == documents
        ids = [d["id"] for d in documents]
        assert sorted(ids) == sorted({USER.id, GROUP.id, ENTERPRISE_USER.id})
        expected = {rt.schema.id for rt in RESOURCE_TYPES} | {
            e.schema.id for rt in RESOURCE_TYPES for e in rt.extensions
        }
        assert set(ids) == expected

    @pytest.mark.parametrize("schema", [USER, GROUP, ENTERPRISE_USER], ids=lambda s: s.name)
    def test_every_attribute_with_every_characteristic(self, schema: Schema) -> None:
        document = schema_document(BASE, schema.id)
        assert document["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Schema"]
        assert (document["name"], document["description"]) == (schema.name, schema.description)
        assert document["meta"] == {
            "resourceType": "Schema",
            "location": f"{BASE}/Schemas/{schema.id}",
        }
        common = COMMON_ATTRIBUTES if schema is not ENTERPRISE_USER else ()
        attributes = (*common, *schema.attributes)
        assert [a["name"] for a in document["attributes"]] == [a.name for a in attributes]
        for attribute_document, attribute in zip(document["attributes"], attributes, strict=True):
            _assert_describes(attribute_document, attribute)

    def test_password_is_described_as_never_returned(self) -> None:
        document = schema_document(BASE, USER.id)
        password = next(a for a in document["attributes"] if a["name"] == "password")
        assert (password["returned"], password["mutability"]) == ("never", "writeOnly")

    def test_lookup_is_case_insensitive(self) -> None:
        assert schema_document(BASE, USER.id.upper())["id"] == USER.id

    @pytest.mark.parametrize("urn", ["urn:nope", "", "urn:ietf:params:scim:schemas:core:2.0"])
    def test_unknown_is_404(self, urn: str) -> None:
        with pytest.raises(ScimError) as caught:
            schema_document(BASE, urn)
        assert caught.value.status == 404
