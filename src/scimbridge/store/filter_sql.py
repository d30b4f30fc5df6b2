"""SCIM filter AST → SQLAlchemy expressions, on SQLite and PostgreSQL alike.

Filter text never reaches SQL: every value is a bound parameter and ``co``/``sw``/``ew``
use ``LIKE`` with ``autoescape`` so ``%`` and ``_`` match literally (RELIABILITY.md §6.2).
The attributes IdPs filter on are indexed columns (``userName`` through its casefolded key,
``externalId``, ``id``, group ``displayName``), e-mail addresses go through the indexed
``user_emails`` table and membership through ``memberships``; any other attribute is read
from the stored resource with the JSON path operators of each database. Comparisons are
case-insensitive unless the schema says ``caseExact`` (RFC 7643 §2.2, §7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    column,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    type_coerce,
)

from scimbridge.scim.attributes import ResolvedAttribute, resolve
from scimbridge.scim.errors import invalid_filter
from scimbridge.scim.filter.ast import (
    And,
    AttrPath,
    Compare,
    Filter,
    Literal_,
    Not,
    Or,
    Present,
    ValuePath,
    height,
)
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, Attribute, ResourceType
from scimbridge.store.tables import groups, memberships, user_emails, users
from scimbridge.store.types import JSONDocument

Kind = Literal["fold", "exact", "insensitive", "bool", "datetime"]

# ``schemas`` is no schema attribute (RFC 7643 §3) but is filterable (RFC 7644 §3.4.2.2
# example ``schemas eq "urn:…:enterprise:2.0:User"``): a multi-valued list of URIs.
SCHEMAS = ResolvedAttribute(
    USER_RESOURCE.schema,
    Attribute("schemas", "reference", multi_valued=True, case_exact=False),
    None,
    False,
)


@dataclass(frozen=True)
class Column_:
    """A filterable SQL expression and how its values compare."""

    expression: ColumnElement[Any]
    kind: Kind


def _parse_datetime(value: Literal_) -> datetime:
    if not isinstance(value, str):
        raise invalid_filter("a dateTime attribute must be compared with an RFC 3339 string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_filter(f"{value!r} is not an RFC 3339 date-time") from None


def _compare(column: Column_, op: str, value: Literal_) -> ColumnElement[bool]:
    expression = column.expression
    if value is None:
        if op == "eq":
            return expression.is_(None)
        if op == "ne":
            return expression.is_not(None)
        raise invalid_filter(f"operator {op} cannot compare with null")
    if column.kind == "bool":
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            raise invalid_filter("a boolean attribute supports eq and ne with true or false")
        return expression == value if op == "eq" else expression != value
    if column.kind == "datetime":
        moment = _parse_datetime(value)
        return _ordered(expression, op, moment)
    text_value = _text_value(column.kind, value)
    if column.kind == "insensitive":
        expression = func.lower(expression)
    if op == "co":
        return expression.contains(text_value, autoescape=True)
    if op == "sw":
        return expression.startswith(text_value, autoescape=True)
    if op == "ew":
        return expression.endswith(text_value, autoescape=True)
    return _ordered(expression, op, text_value)


def _text_value(kind: Kind, value: str | int | float | bool) -> str:
    """What a text column is compared with: ``fold`` columns hold casefolded keys."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if kind == "fold":
        return text.casefold()
    if kind == "insensitive":
        return text.lower()
    return text


_ORDERED: dict[str, Callable[[ColumnElement[Any], Any], ColumnElement[bool]]] = {
    "eq": lambda e, v: e == v,
    "ne": lambda e, v: or_(e != v, e.is_(None)),
    "gt": lambda e, v: e > v,
    "ge": lambda e, v: e >= v,
    "lt": lambda e, v: e < v,
    "le": lambda e, v: e <= v,
}


def _ordered(expression: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    build = _ORDERED.get(op)
    if build is None:
        raise invalid_filter(f"operator {op} is not supported on this attribute")
    return build(expression, value)


def _present(column: Column_) -> ColumnElement[bool]:
    if column.kind in ("bool", "datetime"):
        return column.expression.is_not(None)
    return and_(column.expression.is_not(None), column.expression != "")


@dataclass(frozen=True)
class _Target:
    """Where a resolved attribute lives for one resource type."""

    table: Table
    resource_type: ResourceType

    # ------------------------------------------------------------- scalar columns

    def scalar(self, resolved: ResolvedAttribute) -> Column_:
        name = resolved.attribute.name
        sub = resolved.sub_attribute.name if resolved.sub_attribute else None
        t = self.table
        if resolved.schema.id == self.resource_type.schema.id or resolved.schema.id == "common":
            if name == "id":
                return Column_(t.c.id, "exact")
            if name == "externalId":
                return Column_(t.c.external_id, "exact")
            if name == "meta" and sub == "created":
                return Column_(t.c.created_at, "datetime")
            if name == "meta" and sub == "lastModified":
                return Column_(t.c.updated_at, "datetime")
            if t is users and name == "userName":
                return Column_(users.c.user_name_key, "fold")
            if t is users and name == "active":
                return Column_(users.c.active, "bool")
            if t is groups and name == "displayName":
                return Column_(groups.c.display_name_key, "fold")
        return self.json(resolved)

    def json(self, resolved: ResolvedAttribute) -> Column_:
        keys = resolved.key_path
        element = self.table.c.attributes[keys]
        attribute = resolved.sub_attribute or resolved.attribute
        if attribute.type == "boolean":
            return Column_(element.as_boolean(), "bool")
        if attribute.type in ("integer", "decimal"):
            return Column_(element.as_float(), "exact")
        if attribute.type == "dateTime":
            return Column_(element.as_string(), "exact")
        return Column_(element.as_string(), "exact" if attribute.case_exact else "insensitive")


class FilterCompiler:
    """Compiles one resource type's filters; build with :func:`compiler_for`."""

    def __init__(
        self, resource_type: ResourceType, table: Table, dialect: str, directory_id: str
    ) -> None:
        self.resource_type = resource_type
        self.target = _Target(table, resource_type)
        self.table = table
        self.dialect = dialect
        # Subqueries over e-mail and membership rows are scoped by the directory itself,
        # not correlated with the outer row, so the database can drive them from their
        # (directory_id, value) indexes: `emails[value eq …]` is an index lookup.
        self.directory_id = directory_id

    def compile(self, node: Filter) -> ColumnElement[bool]:
        if isinstance(node, And | Or):
            return _joined(node, self.compile)
        if isinstance(node, Not):
            return _negated(self.compile(node.operand))
        if isinstance(node, ValuePath):
            return self._value_path(node)
        return self._leaf(node)

    def _resolve(self, path: AttrPath) -> ResolvedAttribute:
        resolved = resolve(self.resource_type, path)
        if resolved is None:
            raise invalid_filter(f"unknown attribute {_display(path)} in filter")
        return resolved

    def _leaf(self, node: Compare | Present) -> ColumnElement[bool]:
        path = node.path
        if path.uri is None and path.attr.casefold() == "schemas" and not path.sub_attr:
            return self._json_array(SCHEMAS, lambda columns: _apply(node, columns("value")))
        resolved = self._resolve(node.path)
        multi = self._multi_valued(resolved)
        if multi is not None:
            sub = resolved.sub_attribute.name if resolved.sub_attribute else "value"
            if isinstance(node, Compare) and node.op == "ne":
                # "No value equals x", as for a single-valued attribute an absent one is not x.
                equal = Compare(node.path, "eq", node.value)
                return not_(multi(lambda columns: _apply(equal, columns(sub))))
            return multi(lambda columns: _apply(node, columns(sub)))
        column = self.target.scalar(resolved)
        if resolved.attribute.multi_valued or (
            resolved.attribute.type == "complex" and resolved.sub_attribute is None
        ):
            raise invalid_filter(f"filtering on {_display(node.path)} is not supported")
        return _apply(node, column)

    def _value_path(self, node: ValuePath) -> ColumnElement[bool]:
        resolved = self._resolve(node.path)
        multi = self._multi_valued(resolved)
        if multi is None:
            raise invalid_filter(f"{_display(node.path)} is not a multi-valued attribute")

        def inner(columns: Callable[[str], Column_]) -> ColumnElement[bool]:
            return self._compile_element(node.filter, columns, resolved)

        return multi(inner)

    def _compile_element(
        self, node: Filter, columns: Callable[[str], Column_], parent: ResolvedAttribute
    ) -> ColumnElement[bool]:
        if isinstance(node, And | Or):
            return _joined(node, lambda side: self._compile_element(side, columns, parent))
        if isinstance(node, Not):
            return _negated(self._compile_element(node.operand, columns, parent))
        if isinstance(node, ValuePath):
            raise invalid_filter("value paths cannot be nested")
        if node.path.sub_attr is not None or parent.attribute.sub(node.path.attr) is None:
            raise invalid_filter(
                f"{node.path.attr} is not a sub-attribute of {parent.attribute.name}"
            )
        sub_attribute = parent.attribute.sub(node.path.attr)
        assert sub_attribute is not None
        return _apply(node, columns(sub_attribute.name))

    def _multi_valued(
        self, resolved: ResolvedAttribute
    ) -> (
        Callable[[Callable[[Callable[[str], Column_]], ColumnElement[bool]]], ColumnElement[bool]]
        | None
    ):
        """EXISTS-subqueries for the multi-valued attributes kept in their own tables."""
        name = resolved.attribute.name
        if self.table is users and name == "emails":
            return self._emails
        if self.table is groups and name == "members":
            return self._members
        if self.table is users and name == "groups":
            return self._user_groups
        if resolved.attribute.multi_valued:
            return lambda build: self._json_array(resolved, build)
        return None

    def _json_array(
        self,
        resolved: ResolvedAttribute,
        build: Callable[[Callable[[str], Column_]], ColumnElement[bool]],
    ) -> ColumnElement[bool]:
        """EXISTS over the elements of a multi-valued attribute kept in the JSON document.

        ``json_each`` on SQLite and ``jsonb_array_elements`` on PostgreSQL turn the array
        into rows; a simple multi-valued attribute (``schemas``) compares the element
        itself as its ``value`` (RFC 7644 §3.4.2.2).
        """
        keys = resolved.key_path[: 2 if resolved.in_extension else 1]
        attribute = resolved.attribute
        if self.dialect == "postgresql":
            array = self.table.c.attributes[keys]
            elements = (
                func.jsonb_array_elements(array)
                .table_valued(column("value", JSONDocument))
                .alias("element")
            )
        else:
            json_path = "$" + "".join(f'."{key}"' for key in keys)
            elements = (
                func.json_each(self.table.c.attributes, json_path)
                .table_valued(column("value", JSONDocument))
                .alias("element")
            )

        def columns(sub_name: str) -> Column_:
            sub = attribute.sub(sub_name)
            if sub is None:
                if attribute.type != "complex" and sub_name == "value":
                    # PostgreSQL: `#>> '{}'` is a jsonb scalar's text; SQLite's json_each
                    # already gives the text of a string element.
                    text_value = (
                        type_coerce(elements.c.value.op("#>>")(literal_column("'{}'")), String)
                        if self.dialect == "postgresql"
                        else elements.c.value
                    )
                    return Column_(text_value, "exact" if attribute.case_exact else "insensitive")
                raise invalid_filter(f"{attribute.name} has no sub-attribute {sub_name!r}")
            element = elements.c.value[sub.name]
            if sub.type == "boolean":
                return Column_(element.as_boolean(), "bool")
            return Column_(element.as_string(), "exact" if sub.case_exact else "insensitive")

        return exists(select(literal(1)).select_from(elements).where(build(columns)))

    def _emails(
        self, build: Callable[[Callable[[str], Column_]], ColumnElement[bool]]
    ) -> ColumnElement[bool]:
        def columns(sub: str) -> Column_:
            if sub == "value":
                return Column_(user_emails.c.value_key, "fold")
            if sub == "type":
                return Column_(func.coalesce(user_emails.c.type, ""), "insensitive")
            if sub == "primary":
                return Column_(user_emails.c.is_primary, "bool")
            raise invalid_filter(f"filtering on emails.{sub} is not supported")

        return users.c.id.in_(
            select(user_emails.c.user_id).where(
                user_emails.c.directory_id == self.directory_id, build(columns)
            )
        )

    def _members(
        self, build: Callable[[Callable[[str], Column_]], ColumnElement[bool]]
    ) -> ColumnElement[bool]:
        def columns(sub: str) -> Column_:
            if sub == "value":
                return Column_(memberships.c.user_id, "exact")
            if sub == "type":
                return Column_(func.coalesce("User", ""), "insensitive")
            raise invalid_filter(f"filtering on members.{sub} is not supported")

        return groups.c.id.in_(
            select(memberships.c.group_id).where(
                memberships.c.directory_id == self.directory_id, build(columns)
            )
        )

    def _user_groups(
        self, build: Callable[[Callable[[str], Column_]], ColumnElement[bool]]
    ) -> ColumnElement[bool]:
        member_group = groups.alias("member_group")

        def columns(sub: str) -> Column_:
            if sub == "value":
                return Column_(memberships.c.group_id, "exact")
            if sub == "display":
                return Column_(member_group.c.display_name_key, "fold")
            raise invalid_filter(f"filtering on groups.{sub} is not supported")

        return users.c.id.in_(
            select(memberships.c.user_id)
            .join(member_group, member_group.c.id == memberships.c.group_id)
            .where(memberships.c.directory_id == self.directory_id, build(columns))
        )


# SQLite parses with a fixed stack (YYSTACKDEPTH, 100 entries; "parser stack overflow")
# and every parenthesis still open takes entries, more when an operand is waiting to its
# left. ``b OR (…)`` keeps ``b OR`` on the stack while the parenthesis is parsed, ``(…)
# OR b`` does not; ``NOT coalesce((…), 0)`` keeps a function call open around each
# level. Written the cheap way below, every filter the parser admits (nesting
# parser.MAX_DEPTH, MAX_COMPARISONS comparisons) runs on SQLite; measured: 91 levels of
# ``(…) IS NOT 1`` fit where 18 of ``NOT coalesce((…), 0)`` and 30 of ``b OR (…)`` did.


def _joined(
    node: And | Or, compile_side: Callable[[Filter], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """``and``/``or`` with the more deeply nested operand first (both are commutative)."""
    first, second = node.left, node.right
    if height(second) > height(first):
        first, second = second, first
    combine = and_ if isinstance(node, And) else or_
    return combine(compile_side(first), compile_side(second))


def _negated(expression: ColumnElement[bool]) -> ColumnElement[bool]:
    """Two-valued ``not``: an absent attribute makes a comparison false (SQL's NULL), so
    its negation is true; ``IS NOT TRUE`` is true for both false and NULL."""
    return expression.is_not(true())


def _apply(node: Compare | Present, column: Column_) -> ColumnElement[bool]:
    if isinstance(node, Present):
        return _present(column)
    return _compare(column, node.op, node.value)


def _display(path: AttrPath) -> str:
    text = f"{path.uri}:{path.attr}" if path.uri else path.attr
    return f"{text}.{path.sub_attr}" if path.sub_attr else text


# Attributes with a unique index per directory (tables.py): an ``eq`` on one of them
# matches at most one resource, found by index.
_UNIQUE_KEYS = {
    USER_RESOURCE: ("id", "externalId", "userName"),
    GROUP_RESOURCE: ("id", "externalId"),
}


def is_unique_lookup(resource_type: ResourceType, node: Filter | None) -> bool:
    """Whether ``node`` selects at most one resource through a unique index.

    ``userName eq "…"`` is how every IdP asks whether a user exists before creating it;
    such a query is bounded, which :mod:`scimbridge.store.calls` relies on. An ``and``
    is bounded when either side is; anything else may scan.
    """
    if isinstance(node, And):
        return is_unique_lookup(resource_type, node.left) or is_unique_lookup(
            resource_type, node.right
        )
    return key_lookup(resource_type, node) is not None


@dataclass(frozen=True)
class KeyLookup:
    """``attr eq value`` on a uniquely indexed column, as :class:`FilterCompiler` reads it.

    ``column`` (of ``table``) and ``value`` are exactly what the compiled filter would
    compare, so a caller may run the lookup as a prepared statement
    (``scim_queries.find_by_key``) instead of compiling the filter;
    ``tests/store/test_filter_sql.py`` holds both paths to the same rows.
    """

    table: Table
    column: ColumnElement[Any]
    value: str


def key_lookup(resource_type: ResourceType, node: Filter | None) -> KeyLookup | None:
    """The unique-key comparison ``node`` is, if it is one (``id``, ``externalId``,
    ``userName`` of a User; ``id``, ``externalId`` of a Group)."""
    if not isinstance(node, Compare) or node.op != "eq" or node.value is None:
        return None
    resolved = resolve(resource_type, node.path)
    if resolved is None or resolved.sub_attribute is not None or resolved.in_extension:
        return None
    if resolved.attribute.name not in _UNIQUE_KEYS.get(resource_type, ()):
        return None
    table = groups if resource_type is GROUP_RESOURCE else users
    column = _Target(table, resource_type).scalar(resolved)
    return KeyLookup(table, column.expression, _text_value(column.kind, node.value))


def compiler_for(resource_type: ResourceType, dialect: str, directory_id: str) -> FilterCompiler:
    table = groups if resource_type is GROUP_RESOURCE else users
    return FilterCompiler(resource_type, table, dialect, directory_id)


def compile_filter(
    resource_type: ResourceType, node: Filter | None, dialect: str, directory_id: str
) -> ColumnElement[bool]:
    """The WHERE clause for ``node``; the caller still scopes the outer query by directory."""
    if node is None:
        return true()
    return compiler_for(resource_type, dialect, directory_id).compile(node)
