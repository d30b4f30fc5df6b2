"""``sortBy`` → the ORDER BY expression (RFC 7644 §3.4.2.3), on SQLite and PostgreSQL.

Kept beside ``filter_sql`` (whose column mapping it reuses): a sort reads the same
columns a filter compares, but its errors are about ``sortBy`` and it orders rather
than selects. Where resources without the value go is ``scim_queries``' concern
(``listing.missing_values_first``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select

from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import invalid_value
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.filter.printer import format_path
from scimbridge.scim.schemas import GROUP_RESOURCE, ResourceType
from scimbridge.store.filter_sql import compiler_for
from scimbridge.store.tables import user_emails, users


def sort_column(
    resource_type: ResourceType, path: AttrPath, dialect: str, directory_id: str
) -> ColumnElement[Any]:
    """The ORDER BY expression for ``sortBy`` (RFC 7644 §3.4.2.3).

    A multi-valued attribute sorts by its primary value; e-mail addresses are indexed in
    their own table, so that one is a correlated subquery.
    """
    compiler = compiler_for(resource_type, dialect, directory_id)
    resolved = resolve(resource_type, path)
    if resolved is None:
        raise invalid_value(
            f"sortBy names {format_path(path)}, which is no {resource_type.name} attribute"
        )
    if resource_type is not GROUP_RESOURCE and resolved.attribute.name == "emails":
        return (
            select(user_emails.c.value_key)
            .where(user_emails.c.user_id == users.c.id, user_emails.c.is_primary.is_(True))
            .limit(1)
            .scalar_subquery()
        )
    if resolved.attribute.multi_valued:
        raise invalid_value(f"cannot sort by {format_path(path)}: sortBy supports emails only")
    if resolved.attribute.type == "complex" and resolved.sub_attribute is None:
        raise invalid_value(f"sortBy {format_path(path)} must name one of its sub-attributes")
    column = compiler.target.scalar(resolved)
    # §3.4.2.3: "for case-insensitive attributes, sort the result using case-insensitive
    # Unicode alphabetic sort order" (``fold`` columns hold casefolded keys already).
    return func.lower(column.expression) if column.kind == "insensitive" else column.expression
