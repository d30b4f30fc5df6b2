"""The CSV source's columns: header resolution, cell rules and the SCIM resources a row maps to.

This module is pure (no I/O): ``csv_reader`` feeds it header and row fields with their
physical line numbers, and it answers with values or :class:`CsvProblem` s. The column
set, the header map and the rules are documented in ``csv_source`` and the README
("CSV files").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

CSV_USER_SCHEMA = "urn:scimbridge:csv:1.0:User"
"""Extension URN holding a row's unknown columns, under their header names made SCIM
attribute names (:func:`attribute_name`), so they land in ``raw_attributes`` and an
``attribute_map`` path such as ``urn:scimbridge:csv:1.0:User:Cost_Centre`` picks them up."""

REQUIRED_COLUMNS = ("id", "user_name")
CORE_COLUMNS = (
    "id",
    "user_name",
    "email",
    "first_name",
    "last_name",
    "display_name",
    "active",
    "groups",
    "title",
)
# Column → attribute of the enterprise extension (RFC 7643 §4.3); manager is complex.
ENTERPRISE_COLUMNS: Mapping[str, str] = {
    "employee_number": "employeeNumber",
    "department": "department",
    "organization": "organization",
    "cost_center": "costCenter",
    "division": "division",
    "manager_id": "manager",
}
COLUMNS = (*CORE_COLUMNS, *ENTERPRISE_COLUMNS)

MAX_VALUE_LENGTH = 512
"""Longest value of a documented column (and of each group name): the width of the
columns these values are stored in (``users.external_id``, ``users.user_name``,
``users.given_name`` …, ``user_emails.value``, ``groups.display_name`` in
``store/tables.py``; a test keeps the two equal). Unknown columns are bounded only by the
csv module's field size limit (131,072 characters)."""

GROUP_SEPARATORS = re.compile(r"[;|]")
"""Several groups in one cell are separated by ``;`` or ``|`` (never ``,``: the field
separator; a group name containing ``;`` or ``|`` cannot be expressed)."""

_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

# One pragmatic address rule (RFC 5321 §4.1.2 is far wider, but HR exports hold plain
# addresses): a local part without spaces or "@", then a domain of at least two labels of
# letters, digits and inner hyphens (IDN letters included).
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(rf"[^\s@]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


@dataclass(frozen=True)
class CsvProblem:
    """One thing wrong with a CSV file: the 1-based physical line where the record
    starts (1 is the header row), the documented column (or the header name of an
    unknown one) when one is concerned, and a sentence saying what to fix."""

    line: int
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Header:
    """What each field of a row means: a documented column, or an unknown header name."""

    columns: tuple[str | None, ...]  # documented column at each position, or None
    names: tuple[str, ...]  # attribute names of unknown columns (attribute_name)

    @property
    def width(self) -> int:
        return len(self.names)


@dataclass(frozen=True, slots=True)
class Row:
    """One valid data row: its documented values (stripped, empty cells left out), the
    unknown columns' values, and the groups it lists (duplicates folded out)."""

    line: int
    values: Mapping[str, str]
    extras: Mapping[str, str]
    groups: tuple[str, ...]

    @property
    def source_id(self) -> str:
        return self.values["id"]


def _folded_map(header_map: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip().casefold(): v for k, v in (header_map or {}).items()}


def resolve_header(
    fields: Sequence[str], header_map: Mapping[str, str] | None
) -> tuple[Header, list[CsvProblem]]:
    """The header row (line 1) against the documented columns and ``header_map``.

    Header names match case-insensitively and with surrounding spaces ignored; a
    ``header_map`` entry (file name → documented column) wins over a documented name, so
    ``{"ID": "employee_number", "Login": "id"}`` works. Map entries naming no column of
    the file are ignored (one map can serve several export variants).
    """
    problems: list[CsvProblem] = []
    mapping = _folded_map(header_map)
    for source, target in (header_map or {}).items():
        if target not in COLUMNS:
            problems.append(
                CsvProblem(
                    1,
                    str(source),
                    f"header_map maps {source!r} to {target!r}, "
                    f"which is not a column; use one of: {', '.join(COLUMNS)}",
                )
            )
    columns: list[str | None] = []
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(fields, start=1):
        name = raw.strip()
        folded = name.casefold()
        target = mapping.get(folded, folded)
        column: str | None = target if target in COLUMNS else None
        if not name:
            problems.append(CsvProblem(1, None, f"column {position} of the header has no name"))
        key = column or f"extra:{attribute_name(name).casefold()}"
        if name and key in seen:
            problems.append(
                CsvProblem(
                    1,
                    column or name,
                    f"column {position} ({name!r}) repeats column "
                    f"{seen[key]}: each column may appear once",
                )
            )
        seen.setdefault(key, position)
        columns.append(column)
        names.append(attribute_name(name))
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(
                CsvProblem(
                    1,
                    required,
                    f"the required column {required!r} is missing from "
                    "the header (name a column so, or map one to it with header_map)",
                )
            )
    return Header(columns=tuple(columns), names=tuple(names)), problems


def attribute_name(header: str) -> str:
    """An unknown column's header name as a SCIM attribute name (RFC 7643 §2.1: ``ALPHA
    *(nameChar)``, nameChar being ``-``, ``_``, a digit or a letter), so an attribute
    path can name it: each run of other characters becomes ``_`` (``Cost Centre`` →
    ``Cost_Centre``), and a name not starting with a letter gets ``column_`` in front
    (``2FA`` → ``column_2FA``). Two headers giving the same name (in any case) are a
    repeated column."""
    name = _NOT_NAME_CHARS.sub("_", header.strip()).strip("_")
    return name if name[:1].isascii() and name[:1].isalpha() else f"column_{name}"


def parse_active(text: str) -> bool | None:
    """``true/false/yes/no/1/0`` in any case; None for anything else."""
    folded = text.casefold()
    return True if folded in _TRUE else False if folded in _FALSE else None


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def split_groups(cell: str) -> tuple[str, ...]:
    """Group names of one cell: split on ``;`` or ``|``, trimmed, empty parts dropped,
    repeats (case-insensitive) kept once in first-seen order."""
    seen: dict[str, str] = {}
    for part in GROUP_SEPARATORS.split(cell):
        name = part.strip()
        if name:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def read_row(
    header: Header, fields: Sequence[str], line: int
) -> tuple[Row | None, list[CsvProblem]]:
    """Check one data row; a row with any problem gives no :class:`Row`."""
    if len(fields) != header.width:
        return None, [
            CsvProblem(
                line,
                None,
                f"the row has {len(fields)} fields, the header has "
                f"{header.width} (a missing or extra separator, or an unclosed quote)",
            )
        ]
    values: dict[str, str] = {}
    extras: dict[str, str] = {}
    for column, name, raw in zip(header.columns, header.names, fields, strict=True):
        value = raw.strip()
        if value and column is not None:
            values[column] = value
        elif value:
            extras[name] = value
    problems = _cell_problems(values, line)
    groups = split_groups(values.get("groups", ""))
    for group in groups:
        if len(group) > MAX_VALUE_LENGTH:
            problems.append(
                CsvProblem(
                    line,
                    "groups",
                    f"a group name is {len(group)} characters long; at most {MAX_VALUE_LENGTH}",
                )
            )
    if problems:
        return None, problems
    return Row(line=line, values=values, extras=extras, groups=groups), []


def _cell_problems(values: Mapping[str, str], line: int) -> list[CsvProblem]:
    problems = [
        CsvProblem(line, column, f"{column} is required and is empty")
        for column in REQUIRED_COLUMNS
        if column not in values
    ]
    for column, value in values.items():
        if column != "groups" and len(value) > MAX_VALUE_LENGTH:
            problems.append(
                CsvProblem(
                    line,
                    column,
                    f"{column} is {len(value)} characters long; at most {MAX_VALUE_LENGTH}",
                )
            )
    email = values.get("email")
    if email is not None and not is_email(email):
        problems.append(CsvProblem(line, "email", f"{email!r} is not an e-mail address"))
    active = values.get("active")
    if active is not None and parse_active(active) is None:
        problems.append(
            CsvProblem(line, "active", f"active is {active!r}; use true/false, yes/no or 1/0")
        )
    return problems


def user_resource(row: Row) -> dict[str, Any]:
    """The SCIM User (RFC 7643 §4.1, enterprise extension §4.3) a row stands for.

    ``externalId`` is the id column, ``userName`` the user_name column; an empty
    ``active`` cell means active. Empty cells leave their attribute out, so a cell
    emptied in the next file removes the value (an import is a full replacement).
    """
    values = row.values
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "externalId": values["id"],
        "userName": values["user_name"],
        "active": parse_active(values["active"]) is not False if "active" in values else True,
    }
    name = {
        attribute: values[column]
        for column, attribute in (("first_name", "givenName"), ("last_name", "familyName"))
        if column in values
    }
    if name:
        resource["name"] = name
    if "display_name" in values:
        resource["displayName"] = values["display_name"]
    if "title" in values:
        resource["title"] = values["title"]
    if "email" in values:
        resource["emails"] = [{"value": values["email"], "type": "work", "primary": True}]
    enterprise: dict[str, Any] = {
        attribute: {"value": values[column]} if column == "manager_id" else values[column]
        for column, attribute in ENTERPRISE_COLUMNS.items()
        if column in values
    }
    if enterprise:
        resource["schemas"].append(ENTERPRISE_USER_SCHEMA)
        resource[ENTERPRISE_USER_SCHEMA] = enterprise
    if row.extras:
        resource["schemas"].append(CSV_USER_SCHEMA)
        resource[CSV_USER_SCHEMA] = dict(row.extras)
    return resource


def group_key(name: str) -> str:
    """A group's ``source_id``: its name casefolded (the same fold as the store's
    ``display_name_key``), so ``Sales`` and ``sales`` in two rows are one group and a
    re-cased name in the next file renames it rather than replacing it."""
    return name.casefold()


def group_resource(name: str) -> dict[str, Any]:
    """The SCIM Group (RFC 7643 §4.2) without members: those come from ``members()``."""
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "externalId": group_key(name)}
