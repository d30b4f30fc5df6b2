"""The length table (scim/lengths.py) and the columns that hold those values agree."""

from __future__ import annotations

import pytest
from sqlalchemy import String

from scimbridge.api.admin_models import DirectoryCreate, DirectoryUpdate
from scimbridge.scim.lengths import DIRECTORY_FIELDS, GROUP_FIELDS, USER_FIELDS, StoredField
from scimbridge.store.tables import metadata

FIELDS = [*USER_FIELDS, *GROUP_FIELDS, *DIRECTORY_FIELDS]
COLUMNS = [(field, column) for field in FIELDS for column in field.columns]


@pytest.mark.parametrize(("field", "where"), COLUMNS, ids=[c for _, c in COLUMNS])
def test_each_column_is_exactly_as_long_as_its_field(field: StoredField, where: str) -> None:
    table, name = where.split(".")
    column_type = metadata.tables[table].c[name].type
    assert isinstance(column_type, String)
    assert column_type.length == field.max_length


def test_every_bounded_text_column_of_resources_is_in_the_table() -> None:
    """A new VARCHAR column for a value from a request must join the table."""
    listed = {where for _, where in COLUMNS}
    generated = {"id", "directory_id", "user_id"}  # ids the server makes, not the client
    for table in ("users", "user_emails", "groups"):
        for column in metadata.tables[table].c:
            bounded = isinstance(column.type, String) and column.type.length is not None
            if bounded and column.name not in generated:
                assert f"{table}.{column.name}" in listed


@pytest.mark.parametrize("model", [DirectoryCreate, DirectoryUpdate])
@pytest.mark.parametrize("field", DIRECTORY_FIELDS, ids=lambda f: f.name)
def test_admin_bodies_take_their_limits_from_the_table(model: type, field: StoredField) -> None:
    constraints = model.model_fields[field.name].metadata  # type: ignore[attr-defined]
    assert any(getattr(c, "max_length", None) == field.max_length for c in constraints)
