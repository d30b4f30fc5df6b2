"""SCIM schema definitions as plain data (RFC 7643 §2, §4, §8.7).

The core User and Group schemas, the Enterprise User extension and the resource types
that bind them. Everything else (path resolution, projection, PATCH, filter validation,
the ``/Schemas`` document) reads these definitions instead of hard-coding attribute rules.
Attribute names are matched case-insensitively (RFC 7643 §2.1), and every lookup returns
the canonical spelling so stored resources always use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

AttrType: TypeAlias = Literal[
    "string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"
]
Mutability: TypeAlias = Literal["readOnly", "readWrite", "immutable", "writeOnly"]
Returned: TypeAlias = Literal["always", "never", "default", "request"]
Uniqueness: TypeAlias = Literal["none", "server", "global"]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute definition with its characteristics (RFC 7643 §2.2, §7)."""

    name: str
    type: AttrType = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: Mutability = "readWrite"
    returned: Returned = "default"
    uniqueness: Uniqueness = "none"
    description: str = ""
    sub_attributes: tuple[Attribute, ...] = ()
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` (any case), or None."""
        folded = name.casefold()
        for attribute in self.sub_attributes:
            if attribute.name.casefold() == folded:
                return attribute
        return None


@dataclass(frozen=True, slots=True)
class Schema:
    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]

    def attribute(self, name: str) -> Attribute | None:
        """The top-level attribute called ``name`` (any case), or None."""
        folded = name.casefold()
        for attribute in self.attributes:
            if attribute.name.casefold() == folded:
                return attribute
        return None


@dataclass(frozen=True, slots=True)
class SchemaExtension:
    schema: Schema
    required: bool


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type (RFC 7643 §6): its endpoint, core schema and extensions."""

    id: str
    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[SchemaExtension, ...] = ()

    def schema_uris(self) -> tuple[str, ...]:
        return (self.schema.id, *(e.schema.id for e in self.extensions))

    def schema_by_uri(self, uri: str) -> Schema | None:
        folded = uri.casefold()
        for schema in (self.schema, *(e.schema for e in self.extensions)):
            if schema.id.casefold() == folded:
                return schema
        return None


def _string(name: str, **kwargs: object) -> Attribute:
    return Attribute(name, "string", **kwargs)  # type: ignore[arg-type]


def _multi(
    name: str,
    description: str,
    *,
    value_type: str = "string",
    extra: tuple[Attribute, ...] = (),
    types: tuple[str, ...] = ("work", "home", "other"),
) -> Attribute:
    """A multi-valued complex attribute with the RFC 7643 §2.4 sub-attributes."""
    return Attribute(
        name,
        "complex",
        multi_valued=True,
        description=description,
        sub_attributes=(
            Attribute("value", value_type, description=f"The {name} value."),  # type: ignore[arg-type]
            _string("display", mutability="readOnly", description="A human-readable name."),
            _string("type", canonical_values=types, description="The kind of value."),
            Attribute("primary", "boolean", description="The primary or preferred value."),
            *extra,
        ),
    )


# RFC 7643 §3.1: attributes common to every resource.
ID = Attribute(
    "id",
    case_exact=True,
    mutability="readOnly",
    returned="always",
    uniqueness="server",
    description="Unique identifier of the resource, issued by the service provider.",
)
EXTERNAL_ID = _string(
    "externalId", case_exact=True, description="Identifier from the provisioning client."
)
META = Attribute(
    "meta",
    "complex",
    mutability="readOnly",
    description="Resource metadata.",
    sub_attributes=(
        _string("resourceType", case_exact=True, mutability="readOnly"),
        Attribute("created", "dateTime", mutability="readOnly"),
        Attribute("lastModified", "dateTime", mutability="readOnly"),
        Attribute(
            "location",
            "reference",
            case_exact=True,
            mutability="readOnly",
            reference_types=("uri",),
        ),
        _string("version", case_exact=True, mutability="readOnly"),
    ),
)
COMMON_ATTRIBUTES = (ID, EXTERNAL_ID, META)

_NAME = Attribute(
    "name",
    "complex",
    description="The components of the user's real name.",
    sub_attributes=(
        _string("formatted"),
        _string("familyName"),
        _string("givenName"),
        _string("middleName"),
        _string("honorificPrefix"),
        _string("honorificSuffix"),
    ),
)

_ADDRESSES = Attribute(
    "addresses",
    "complex",
    multi_valued=True,
    description="Physical mailing addresses.",
    sub_attributes=(
        _string("formatted"),
        _string("streetAddress"),
        _string("locality"),
        _string("region"),
        _string("postalCode"),
        _string("country"),
        _string("type", canonical_values=("work", "home", "other")),
        Attribute("primary", "boolean"),
    ),
)

_USER_GROUPS = Attribute(
    "groups",
    "complex",
    multi_valued=True,
    mutability="readOnly",
    description="Groups the user belongs to, set through Group membership.",
    sub_attributes=(
        _string("value", mutability="readOnly"),
        Attribute("$ref", "reference", mutability="readOnly", reference_types=("User", "Group")),
        _string("display", mutability="readOnly"),
        _string("type", mutability="readOnly", canonical_values=("direct", "indirect")),
    ),
)

USER = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=(
        _string(
            "userName",
            required=True,
            uniqueness="server",
            description="Unique identifier for the User, used to sign in.",
        ),
        _NAME,
        _string("displayName", description="The name of the User, suitable for display."),
        _string("nickName"),
        Attribute("profileUrl", "reference", reference_types=("external",)),
        _string("title"),
        _string("userType"),
        _string("preferredLanguage"),
        _string("locale"),
        _string("timezone"),
        Attribute("active", "boolean", description="The User's administrative status."),
        _string(
            "password", mutability="writeOnly", returned="never", description="Never returned."
        ),
        _multi("emails", "Email addresses for the user."),
        _multi(
            "phoneNumbers",
            "Phone numbers for the user.",
            types=("work", "home", "mobile", "fax", "pager", "other"),
        ),
        _multi(
            "ims",
            "Instant messaging addresses.",
            types=("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
        ),
        _multi(
            "photos",
            "URLs of photos of the user.",
            value_type="reference",
            types=("photo", "thumbnail"),
        ),
        _ADDRESSES,
        _USER_GROUPS,
        _multi("entitlements", "Entitlements of the user."),
        _multi("roles", "Roles of the user."),
        _multi("x509Certificates", "X.509 certificates of the user.", value_type="binary"),
    ),
)

GROUP = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=(
        _string("displayName", required=True, description="A human-readable name for the Group."),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            description="A list of members of the Group.",
            sub_attributes=(
                _string("value", mutability="immutable"),
                Attribute(
                    "$ref", "reference", mutability="immutable", reference_types=("User", "Group")
                ),
                _string("display", mutability="readOnly"),
                _string("type", mutability="immutable", canonical_values=("User", "Group")),
            ),
        ),
    ),
)

ENTERPRISE_USER = Schema(
    id=ENTERPRISE_USER_SCHEMA,
    name="EnterpriseUser",
    description="Enterprise User",
    attributes=(
        _string("employeeNumber"),
        _string("costCenter"),
        _string("organization"),
        _string("division"),
        _string("department"),
        Attribute(
            "manager",
            "complex",
            description="The user's manager.",
            sub_attributes=(
                _string("value"),
                Attribute("$ref", "reference", reference_types=("User",)),
                _string("displayName", mutability="readOnly"),
            ),
        ),
    ),
)

USER_RESOURCE = ResourceType(
    id="User",
    name="User",
    endpoint="/Users",
    description="User Account",
    schema=USER,
    extensions=(SchemaExtension(ENTERPRISE_USER, required=False),),
)
GROUP_RESOURCE = ResourceType(
    id="Group", name="Group", endpoint="/Groups", description="Group", schema=GROUP
)
RESOURCE_TYPES = (USER_RESOURCE, GROUP_RESOURCE)
