"""SCIM schema definitions as plain data (RFC 7643 §2, §3.1, §4, §6, §8.7).

The core User and Group schemas, the Enterprise User extension and the resource types
that bind them. Everything else (path resolution, projection, PATCH, filter validation,
the ``/Schemas`` document) reads these definitions instead of hard-coding attribute rules.
Attribute names are matched case-insensitively (RFC 7643 §2.1), and every lookup returns
the canonical spelling so stored resources always use it.

The characteristics follow the schema representation of RFC 7643 §8.7.1 where it is more
precise than the prose of §4 (e.g. ``emails.display`` is readWrite there; only a User's
``groups`` and the ``meta`` sub-attributes are readOnly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # Casefolded name → sub-attribute: every request looks names up, case-insensitively.
    _by_name: dict[str, Attribute] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", _index(self.sub_attributes))

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` (any case), or None."""
        return self._by_name.get(name.casefold())


@dataclass(frozen=True, slots=True)
class Schema:
    """A schema (RFC 7643 §7): its URN and top-level attribute definitions."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _by_name: dict[str, Attribute] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", _index(self.attributes))

    def attribute(self, name: str) -> Attribute | None:
        """The top-level attribute called ``name`` (any case), or None."""
        return self._by_name.get(name.casefold())


def _index(attributes: tuple[Attribute, ...]) -> dict[str, Attribute]:
    """Attribute names are case-insensitive (RFC 7643 §2.1); the first of a name wins."""
    index: dict[str, Attribute] = {}
    for attribute in attributes:
        index.setdefault(attribute.name.casefold(), attribute)
    return index


@dataclass(frozen=True, slots=True)
class SchemaExtension:
    """A schema extension a resource type accepts (RFC 7643 §6 ``schemaExtensions``)."""

    schema: Schema
    required: bool


@dataclass(frozen=True, slots=True, eq=False)
class ResourceType:
    """A resource type (RFC 7643 §6): its endpoint, core schema and extensions.

    Compared and hashed by identity: there is one object per resource type, and it keys
    per-type caches on every request, where a field-wise hash would walk the whole schema.
    """

    id: str
    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[SchemaExtension, ...] = ()

    def schema_uris(self) -> tuple[str, ...]:
        """The core schema URN first, then each extension's (what ``schemas`` may list)."""
        return (self.schema.id, *(e.schema.id for e in self.extensions))

    def schema_by_uri(self, uri: str) -> Schema | None:
        """The core or extension schema with this URN (any case, RFC 7643 §2.1), or None."""
        if uri == self.schema.id:
            return self.schema
        folded = uri.casefold()
        for schema in (self.schema, *(e.schema for e in self.extensions)):
            if schema.id.casefold() == folded:
                return schema
        return None

    def is_extension(self, schema: Schema) -> bool:
        """Extension attributes live under their URN in a resource (RFC 7643 §3.3)."""
        return schema is not self.schema


def _multi(
    name: str,
    description: str,
    *,
    value_type: AttrType = "string",
    types: tuple[str, ...] = ("work", "home", "other"),
    reference_types: tuple[str, ...] = (),
) -> Attribute:
    """A multi-valued complex attribute with the RFC 7643 §2.4 sub-attributes.

    ``display`` is readWrite as in the RFC 7643 §8.7.1 representation (Entra ID's
    validator replaces ``emails[type eq "work"].display``).
    """
    return Attribute(
        name,
        "complex",
        multi_valued=True,
        description=description,
        sub_attributes=(
            Attribute(
                "value",
                value_type,
                description=f"The {name} value.",
                reference_types=reference_types,
            ),
            Attribute("display", description="A human-readable name, primarily for display."),
            Attribute("type", canonical_values=types, description="The kind of value."),
            Attribute("primary", "boolean", description="The primary or preferred value."),
        ),
    )


# RFC 7643 §3.1: attributes common to every resource; they are not part of any schema
# document, so resolution looks here after the core schema (``attributes.resolve``).
ID = Attribute(
    "id",
    case_exact=True,
    mutability="readOnly",
    returned="always",
    uniqueness="server",
    description="Unique identifier of the resource, issued by the service provider.",
)
EXTERNAL_ID = Attribute(
    "externalId", case_exact=True, description="Identifier from the provisioning client."
)
META = Attribute(
    "meta",
    "complex",
    mutability="readOnly",
    description="Resource metadata.",
    sub_attributes=(
        Attribute("resourceType", case_exact=True, mutability="readOnly"),
        Attribute("created", "dateTime", mutability="readOnly"),
        Attribute("lastModified", "dateTime", mutability="readOnly"),
        Attribute(
            "location",
            "reference",
            case_exact=True,
            mutability="readOnly",
            reference_types=("uri",),
        ),
        Attribute("version", case_exact=True, mutability="readOnly"),
    ),
)
COMMON_ATTRIBUTES = (ID, EXTERNAL_ID, META)

_NAME = Attribute(
    "name",
    "complex",
    description="The components of the user's real name.",
    sub_attributes=(
        Attribute("formatted"),
        Attribute("familyName"),
        Attribute("givenName"),
        Attribute("middleName"),
        Attribute("honorificPrefix"),
        Attribute("honorificSuffix"),
    ),
)

_ADDRESSES = Attribute(
    "addresses",
    "complex",
    multi_valued=True,
    description="Physical mailing addresses.",
    sub_attributes=(
        Attribute("formatted"),
        Attribute("streetAddress"),
        Attribute("locality"),
        Attribute("region"),
        Attribute("postalCode"),
        Attribute("country"),
        Attribute("type", canonical_values=("work", "home", "other")),
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
        Attribute("value", mutability="readOnly"),
        Attribute("$ref", "reference", mutability="readOnly", reference_types=("User", "Group")),
        Attribute("display", mutability="readOnly"),
        Attribute("type", mutability="readOnly", canonical_values=("direct", "indirect")),
    ),
)

USER = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=(
        Attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="Unique identifier for the User, used to sign in.",
        ),
        _NAME,
        Attribute("displayName", description="The name of the User, suitable for display."),
        Attribute("nickName"),
        Attribute("profileUrl", "reference", reference_types=("external",)),
        Attribute("title"),
        Attribute("userType"),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        Attribute("active", "boolean", description="The User's administrative status."),
        Attribute(
            "password",
            mutability="writeOnly",
            returned="never",
            description="Accepted and never stored or returned.",
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
            reference_types=("external",),
        ),
        _ADDRESSES,
        _USER_GROUPS,
        _multi("entitlements", "Entitlements of the user.", types=()),
        _multi("roles", "Roles of the user.", types=()),
        _multi(
            "x509Certificates", "X.509 certificates of the user.", value_type="binary", types=()
        ),
    ),
)

GROUP = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=(
        Attribute("displayName", required=True, description="A human-readable name for the Group."),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            description="A list of members of the Group (kept in the membership table).",
            sub_attributes=(
                Attribute("value", mutability="immutable"),
                Attribute(
                    "$ref", "reference", mutability="immutable", reference_types=("User", "Group")
                ),
                Attribute("display", mutability="readOnly"),
                Attribute("type", mutability="immutable", canonical_values=("User", "Group")),
            ),
        ),
    ),
)

ENTERPRISE_USER = Schema(
    id=ENTERPRISE_USER_SCHEMA,
    name="EnterpriseUser",
    description="Enterprise User",
    attributes=(
        Attribute("employeeNumber"),
        Attribute("costCenter"),
        Attribute("organization"),
        Attribute("division"),
        Attribute("department"),
        Attribute(
            "manager",
            "complex",
            description="The user's manager.",
            sub_attributes=(
                Attribute("value"),
                Attribute("$ref", "reference", reference_types=("User",)),
                Attribute("displayName", mutability="readOnly"),
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
