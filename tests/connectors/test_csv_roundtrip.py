"""Property: any table of valid rows written by csv.writer reads back as the same resources.

The expected resources are built here from the documented column table (module docstring
of ``connectors/csv_source``), not by the code under test, so a mapping or a quoting
mistake shows as a difference. Values include quotes, commas, line breaks inside a
field, non-ASCII text and Unicode line separators.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimbridge.connectors.csv_source import CSV_USER_SCHEMA, open_csv_source, validate_csv
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA, USER_SCHEMA
from tests.support.csv_files import WriteCsv, csv_text, write_csv_file

OPTIONAL = (
    "email", "first_name", "last_name", "display_name", "active", "groups", "title",
    "employee_number", "department", "organization", "cost_center", "division", "manager_id",
)  # fmt: skip
ENTERPRISE = {
    "employee_number": "employeeNumber",
    "department": "department",
    "organization": "organization",
    "cost_center": "costCenter",
    "division": "division",
}
ACTIVE = {"true": True, "Yes": True, "1": True, "FALSE": False, "no": False, "0": False}

_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
value = st.text(_characters, min_size=1, max_size=6).filter(lambda v: v == v.strip())
group_name = value.filter(lambda v: not {";", "|"} & set(v))
email = st.from_regex(r"[a-z0-9._+-]{1,10}@[a-z0-9]{1,8}\.[a-z]{2,6}", fullmatch=True)


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    return functools.partial(write_csv_file, tmp_path)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    """A header (required columns, some optional ones, maybe an unknown one) and rows."""
    columns = ["id", "user_name", *draw(st.lists(st.sampled_from(OPTIONAL), unique=True))]
    if draw(st.booleans()):
        columns.append("Badge Number")
    cells = {
        "email": email,
        "active": st.sampled_from(list(ACTIVE)),
        "groups": st.tuples(st.lists(group_name, max_size=3), st.sampled_from([";", "|"])).map(
            lambda parts: parts[1].join(parts[0])
        ),
    }
    row = st.fixed_dictionaries(
        {
            c: value if c in ("id", "user_name") else st.just("") | cells.get(c, value)
            for c in columns
        }
    )
    rows = draw(
        st.lists(
            row, max_size=8, unique_by=(lambda r: r["id"], lambda r: r["user_name"].casefold())
        )
    )
    return columns, rows


def expected_user(row: dict[str, str]) -> dict[str, Any]:
    present = {column: cell for column, cell in row.items() if cell}
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "externalId": row["id"],
        "userName": row["user_name"],
        "active": ACTIVE.get(present.get("active", "true"), True),
    }
    name = {
        key: present[column]
        for column, key in (("first_name", "givenName"), ("last_name", "familyName"))
        if column in present
    }
    if name:
        resource["name"] = name
    for column, key in (("display_name", "displayName"), ("title", "title")):
        if column in present:
            resource[key] = present[column]
    if "email" in present:
        resource["emails"] = [{"value": present["email"], "type": "work", "primary": True}]
    enterprise: dict[str, Any] = {
        key: present[column] for column, key in ENTERPRISE.items() if column in present
    }
    if "manager_id" in present:
        enterprise["manager"] = {"value": present["manager_id"]}
    if enterprise:
        resource["schemas"].append(ENTERPRISE_USER_SCHEMA)
        resource[ENTERPRISE_USER_SCHEMA] = enterprise
    if "Badge Number" in present:
        resource["schemas"].append(CSV_USER_SCHEMA)
        resource[CSV_USER_SCHEMA] = {"Badge_Number": present["Badge Number"]}
    return resource


def expected_groups(rows: list[dict[str, str]]) -> dict[str, tuple[str, list[str]]]:
    groups: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        names = [n.strip() for n in row.get("groups", "").replace("|", ";").split(";")]
        for name in dict.fromkeys(n.casefold() for n in names if n.strip()):
            first = next(n.strip() for n in names if n.strip().casefold() == name)
            groups.setdefault(name, (first, []))[1].append(row["id"])
    return groups


@settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables(), line_end=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_valid_rows_round_trip_to_the_same_resources(
    write_csv: WriteCsv,
    table: tuple[list[str], list[dict[str, str]]],
    line_end: str,
    bom: bool,
) -> None:
    columns, rows = table
    text = csv_text([columns, *([row[c] for c in columns] for row in rows)], line_end=line_end)
    path = write_csv(("\ufeff" if bom else "") + text)
    assert validate_csv(path) == []
    source = open_csv_source(path)
    try:
        assert [(u.source_id, dict(u.resource)) for u in source.users()] == [
            (row["id"], expected_user(row)) for row in rows
        ]
        groups = {
            g.source_id: (g.resource["displayName"], list(source.members(g)))
            for g in source.groups()
        }
    finally:
        source.close()
    assert groups == expected_groups(rows)
