"""Service discovery documents (RFC 7644 §4; RFC 7643 §5, §6, §7).

Generated from ``schemas.py`` rather than written by hand, so ``/Schemas`` can never
disagree with what the server enforces, and ``ServiceProviderConfig`` states the limits
the server really applies. Every document carries ``meta.resourceType`` and
``meta.location`` (RFC 7643 §3.1) so clients can follow them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scimbridge.scim.errors import not_found
from scimbridge.scim.schemas import COMMON_ATTRIBUTES, RESOURCE_TYPES, Attribute, Schema

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


@dataclass(frozen=True)
class ScimLimits:
    """Limits advertised in ServiceProviderConfig and enforced by Bulk and listing.

    ``max_operations``/``max_payload_size``: Bulk (RFC 7644 §3.7.4, RFC 7643 §5);
    ``max_results``: the most resources one list or search answer holds (RFC 7643 §5).
    """

    max_operations: int = 1000
    max_payload_size: int = 1_048_576
    max_results: int = 1000


def service_provider_config(base_url: str, limits: ScimLimits) -> dict[str, Any]:
    """What this server supports (RFC 7643 §5), stated truthfully.

    PATCH, Bulk, filtering, sorting and ETags are implemented; password change is not
    (``password`` is write-only and never stored). Authentication is a bearer token per
    directory (RFC 6750).
    """
    return {
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": limits.max_operations,
            "maxPayloadSize": limits.max_payload_size,
        },
        "filter": {"supported": True, "maxResults": limits.max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The directory's SCIM token in an Authorization: Bearer header.",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_types(base_url: str) -> list[dict[str, Any]]:
    """``/ResourceTypes`` (RFC 7643 §6): User (with Enterprise User) and Group."""
    return [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": rt.id,
            "name": rt.name,
            "endpoint": rt.endpoint,
            "description": rt.description,
            "schema": rt.schema.id,
            "schemaExtensions": [
                {"schema": e.schema.id, "required": e.required} for e in rt.extensions
            ],
            "meta": {
                "resourceType": "ResourceType",
                "location": f"{base_url}/ResourceTypes/{rt.id}",
            },
        }
        for rt in RESOURCE_TYPES
    ]


def resource_type(base_url: str, name: str) -> dict[str, Any]:
    """``/ResourceTypes/{name}``, matched case-insensitively; 404 when unknown."""
    for document in resource_types(base_url):
        if document["id"].casefold() == name.casefold():
            return document
    raise not_found(f"no resource type {name!r}")


def _attribute_document(attribute: Attribute) -> dict[str, Any]:
    """One attribute with its characteristics (RFC 7643 §7).

    ``subAttributes`` is given for every complex attribute and ``referenceTypes`` for
    every reference, as §7 requires; ``canonicalValues`` only when the schema lists some.
    """
    document: dict[str, Any] = {
        "name": attribute.name,
        "type": attribute.type,
        "multiValued": attribute.multi_valued,
        "description": attribute.description,
        "required": attribute.required,
        "caseExact": attribute.case_exact,
        "mutability": attribute.mutability,
        "returned": attribute.returned,
        "uniqueness": attribute.uniqueness,
    }
    if attribute.canonical_values:
        document["canonicalValues"] = list(attribute.canonical_values)
    if attribute.type == "reference" or attribute.reference_types:
        document["referenceTypes"] = list(attribute.reference_types)
    if attribute.type == "complex" or attribute.sub_attributes:
        document["subAttributes"] = [_attribute_document(a) for a in attribute.sub_attributes]
    return document


def _schemas() -> list[Schema]:
    """Each schema once, in resource-type order (User, its extensions, Group)."""
    seen: dict[str, Schema] = {}
    for rt in RESOURCE_TYPES:
        for schema in (rt.schema, *(e.schema for e in rt.extensions)):
            seen.setdefault(schema.id, schema)
    return list(seen.values())


def schemas_documents(base_url: str) -> list[dict[str, Any]]:
    """``/Schemas`` (RFC 7643 §7), one document per schema the resource types use.

    Core schemas also list the common ``id``/``externalId``/``meta`` attributes (RFC 7643
    §3.1): they are not part of any schema strictly, but clients that validate against
    ``/Schemas`` (e.g. scim2-tester) then know their characteristics.
    """
    documents = []
    core_ids = {rt.schema.id for rt in RESOURCE_TYPES}
    for schema in _schemas():
        attributes = list(schema.attributes)
        if schema.id in core_ids:
            attributes = [*COMMON_ATTRIBUTES, *attributes]
        documents.append(
            {
                "schemas": [SCHEMA_SCHEMA],
                "id": schema.id,
                "name": schema.name,
                "description": schema.description,
                "attributes": [_attribute_document(a) for a in attributes],
                "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{schema.id}"},
            }
        )
    return documents


def schema_document(base_url: str, urn: str) -> dict[str, Any]:
    """``/Schemas/{urn}``, matched case-insensitively; 404 when unknown."""
    for document in schemas_documents(base_url):
        if document["id"].casefold() == urn.casefold():
            return document
    raise not_found(f"no schema {urn!r}")
