"""List/search parameters and the ListResponse (RFC 7644 §3.4.2, §3.4.3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.scim import listing
from scimbridge.scim.errors import ScimError
from scimbridge.scim.listing import (
    LIST_RESPONSE_SCHEMA,
    SEARCH_REQUEST_SCHEMA,
    ListParams,
    list_response,
    parse_list_params,
    parse_search_body,
)


def query(**params: str) -> ListParams:
    return parse_list_params(params, default_count=100, max_count=1000)


class TestQueryParameters:
    def test_defaults(self) -> None:
        assert query() == ListParams(
            filter=None,
            start_index=1,
            count=100,
            sort_by=None,
            sort_order="ascending",
            attributes=[],
            excluded_attributes=[],
        )

    def test_everything(self) -> None:
        params = query(
            filter='userName eq "bjensen"',
            startIndex="11",
            count="10",
            sortBy="name.familyName",
            sortOrder="descending",
            attributes="userName, emails.value",
            excludedAttributes="groups",
        )
        assert params == ListParams(
            'userName eq "bjensen"',
            11,
            10,
            "name.familyName",
            "descending",
            ["userName", "emails.value"],
            ["groups"],
        )

    @pytest.mark.parametrize(
        ("start_index", "expected"), [("0", 1), ("-5", 1), ("1", 1), ("+7", 7), (" 3 ", 3)]
    )
    def test_start_index_below_one_means_one(self, start_index: str, expected: int) -> None:
        """RFC 7644 §3.4.2.4: "A value less than 1 SHALL be interpreted as 1"."""
        assert query(startIndex=start_index).start_index == expected

    @pytest.mark.parametrize(
        ("count", "expected"), [("-1", 0), ("0", 0), ("5", 5), ("1000", 1000), ("5000", 1000)]
    )
    def test_count_negative_means_zero_and_is_capped(self, count: str, expected: int) -> None:
        """§3.4.2.4: a negative count is 0; the server may return fewer than asked."""
        assert query(count=count).count == expected

    def test_default_count_is_capped_too(self) -> None:
        assert parse_list_params({}, default_count=50, max_count=20).count == 20

    @pytest.mark.parametrize(
        "params",
        [
            {"count": "x"},
            {"count": "1.5"},
            {"count": "1_000"},
            {"startIndex": "1e3"},
            {"startIndex": "one"},
            {"sortOrder": "sideways"},
            {"sortOrder": "asc"},
        ],
    )
    def test_bad_values_are_invalid_value(self, params: dict[str, str]) -> None:
        with pytest.raises(ScimError) as caught:
            query(**params)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")

    def test_empty_values_mean_absent(self) -> None:
        assert query(filter=" ", startIndex="", count="", sortBy="", sortOrder="") == query()

    @pytest.mark.parametrize("name", ["startIndex", "count"])
    @pytest.mark.parametrize(
        "value", [str(2**63), str(2**64), str(-(2**63) - 1), "9" * 5000, "-" + "9" * 20]
    )
    def test_integers_past_64_bits_are_invalid_value(self, name: str, value: str) -> None:
        """No database binds them as OFFSET; 5,000 digits are past what int() converts."""
        with pytest.raises(ScimError) as caught:
            query(**{name: value})
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")
        assert name in caught.value.detail
        assert str(2**63 - 1) in caught.value.detail

    def test_the_64_bit_extremes_are_accepted(self) -> None:
        params = query(startIndex=str(2**63 - 1), count=str(-(2**63)))
        assert (params.start_index, params.count) == (2**63 - 1, 0)
        assert query(startIndex="0000000000000000000000042").start_index == 42

    def test_names_and_sort_order_in_any_case(self) -> None:
        params = parse_list_params(
            {"STARTINDEX": "3", "sortorder": "Descending", "Count": "2"},
            default_count=10,
            max_count=10,
        )
        assert (params.start_index, params.count, params.sort_order) == (3, 2, "descending")


class TestSearchBody:
    def test_rfc_7644_section_3_4_3_example(self) -> None:
        body = {
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "attributes": ["displayName", "userName"],
            "filter": 'displayName sw "smith"',
            "startIndex": 1,
            "count": 10,
        }
        params = parse_search_body(body)
        assert params == ListParams(
            'displayName sw "smith"', 1, 10, None, "ascending", ["displayName", "userName"], []
        )

    def test_schemas_may_be_omitted(self) -> None:
        assert parse_search_body({"count": 2}).count == 2

    @pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 1.5e19])
    def test_integers_past_64_bits_are_invalid_value(self, value: float) -> None:
        with pytest.raises(ScimError) as caught:
            parse_search_body({"startIndex": value})
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")

    def test_clamps_like_a_query(self) -> None:
        params = parse_search_body(
            {"startIndex": -3, "count": 99_999}, default_count=10, max_count=500
        )
        assert (params.start_index, params.count) == (1, 500)
        assert parse_search_body({}, default_count=10, max_count=500).count == 10

    def test_comma_separated_attributes_are_accepted(self) -> None:
        params = parse_search_body({"excludedAttributes": "members, meta"})
        assert params.excluded_attributes == ["members", "meta"]

    @pytest.mark.parametrize(
        "body",
        [
            [],
            "filter",
            None,
            {"schemas": "urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]},
            {"schemas": [7]},
        ],
    )
    def test_wrong_shape_is_invalid_syntax(self, body: Any) -> None:
        with pytest.raises(ScimError) as caught:
            parse_search_body(body)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidSyntax")

    @pytest.mark.parametrize(
        "body",
        [
            {"count": "ten"},
            {"count": True},
            {"count": 2.5},
            {"startIndex": [1]},
            {"filter": 5},
            {"sortBy": ["userName"]},
            {"sortOrder": 1},
            {"attributes": [1]},
            {"excludedAttributes": {"a": 1}},
        ],
    )
    def test_wrong_types_are_invalid_value(self, body: dict[str, Any]) -> None:
        with pytest.raises(ScimError) as caught:
            parse_search_body({"schemas": [SEARCH_REQUEST_SCHEMA], **body})
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")


def test_list_response_rfc_7644_section_3_4_2() -> None:
    resources = [{"id": "2819c223"}, {"id": "c75ad752"}]
    assert list_response(resources, total_results=100, start_index=11) == {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": 100,
        "itemsPerPage": 2,
        "startIndex": 11,
        "Resources": resources,
    }


def test_empty_list_response() -> None:
    body = list_response([], total_results=0, start_index=1)
    assert (body["itemsPerPage"], body["Resources"]) == (0, [])


class TestTotalFromPage:
    """``total_from_page``: when a page proves ``totalResults`` without counting."""

    def test_a_short_page_is_the_last_one(self) -> None:
        assert listing.total_from_page(offset=0, count=100, found=1) == 1
        assert listing.total_from_page(offset=200, count=100, found=37) == 237

    def test_an_empty_first_page_means_no_match(self) -> None:
        assert listing.total_from_page(offset=0, count=100, found=0) == 0

    def test_a_full_page_needs_a_count(self) -> None:
        assert listing.total_from_page(offset=0, count=100, found=100) is None

    def test_an_empty_page_past_the_start_needs_a_count(self) -> None:
        assert listing.total_from_page(offset=500, count=100, found=0) is None

    def test_count_zero_asks_only_for_the_total(self) -> None:
        assert listing.total_from_page(offset=0, count=0, found=0) is None

    @given(
        total=st.integers(min_value=0, max_value=500),
        offset=st.integers(min_value=0, max_value=600),
        count=st.integers(min_value=0, max_value=200),
    )
    def test_agrees_with_counting(self, total: int, offset: int, count: int) -> None:
        found = max(0, min(count, total - offset))
        assert listing.total_from_page(offset, count, found) in (None, total)


class TestMissingSortValues:
    def test_last_ascending_first_descending(self) -> None:
        """RFC 7644 §3.4.2.3 (sortBy): resources with no data for the sortBy value "are
        ordered last if ascending and first if descending"."""
        assert listing.missing_values_first("ascending") is False
        assert listing.missing_values_first("descending") is True

    @pytest.mark.parametrize("text", ["a b", "emails[type eq 1]", "urn:x:", "userName\u0000"])
    def test_a_malformed_sort_by_names_the_parameter(self, text: str) -> None:
        """RFC 7644 §3.4.2.3: sortBy is an attribute path (§3.10), not a filter."""
        with pytest.raises(ScimError) as caught:
            listing.sort_path(text)
        error = caught.value
        assert (error.status, error.scim_type) == (400, "invalidValue")
        assert error.detail.startswith("sortBy")
        assert "filter" not in error.detail
