"""The upload page's column table is worked out from the real row mapping."""

from __future__ import annotations

from scimbridge.connectors.csv_columns import COLUMNS, CSV_USER_SCHEMA
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA
from scimbridge.services.csv_import import column_table, extra_columns_schema


def test_each_documented_column_is_listed_once_with_its_attribute_path() -> None:
    table = {row["column"]: row for row in column_table()}
    assert tuple(table) == COLUMNS
    assert {c for c, row in table.items() if row["required"]} == {"id", "user_name"}
    assert table["id"]["paths"] == ["externalId"]
    assert table["email"]["paths"] == ["emails.value"]
    assert table["first_name"]["paths"] == ["name.givenName"]
    assert table["active"]["paths"] == ["active"]
    assert table["groups"]["paths"] == []  # memberships, not a user attribute
    assert table["cost_center"]["paths"] == [f"{ENTERPRISE_USER_SCHEMA}:costCenter"]
    assert table["manager_id"]["paths"] == [f"{ENTERPRISE_USER_SCHEMA}:manager.value"]


def test_other_columns_land_under_the_csv_schema() -> None:
    assert extra_columns_schema() == CSV_USER_SCHEMA
