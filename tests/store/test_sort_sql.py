"""The ORDER BY for ``sortBy`` (store/sort_sql.py); the orders it gives are tested
through the list queries in ``test_scim_queries.py`` on both databases."""

from __future__ import annotations

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.store import sort_sql


class TestSortColumn:
    @pytest.mark.parametrize("path", [AttrPath(None, "nope"), AttrPath(None, "name")])
    def test_an_attribute_that_cannot_sort_names_sort_by(self, path: AttrPath) -> None:
        """RFC 7644 §3.4.2.3: the error is about ``sortBy``, not about a filter."""
        with pytest.raises(ScimError) as caught:
            sort_sql.sort_column(USER_RESOURCE, path, "sqlite", "directory_test")
        assert caught.value.scim_type == "invalidValue"
        assert "sortBy" in caught.value.detail
        assert "filter" not in caught.value.detail

    def test_user_attributes_are_no_group_attributes(self) -> None:
        with pytest.raises(ScimError) as caught:
            sort_sql.sort_column(GROUP_RESOURCE, AttrPath(None, "userName"), "sqlite", "d")
        assert "sortBy" in caught.value.detail
        assert "Group" in caught.value.detail
