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
