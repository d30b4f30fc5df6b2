"""ETags and conditional requests (RFC 7644 §3.14, RFC 7232 §2.3, §3.1, §3.2)."""

from __future__ import annotations

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.etags import check_if_match, if_none_match_satisfied, weak_etag

CURRENT = 'W/"e180ee84f0671b1"'  # the ETag of RFC 7644 §3.14's example


@pytest.mark.parametrize(
    ("version", "expected"),
    [(3, 'W/"3"'), ("3", 'W/"3"'), ('"3"', 'W/"3"'), ('W/"3"', 'W/"3"'), (0, 'W/"0"')],
)
def test_weak_etag(version: int | str, expected: str) -> None:
    assert weak_etag(version) == expected


class TestIfMatch:
    @pytest.mark.parametrize(
        "header",
        [
            None,
            "",
            "  ",
            CURRENT,  # RFC 7644 §3.14: If-Match with the weak tag the server returned
            '"e180ee84f0671b1"',  # weak comparison ignores W/
            "*",
            'W/"1", W/"e180ee84f0671b1"',
            ' W/"1" ,"e180ee84f0671b1" ',
            "e180ee84f0671b1",  # unquoted, from a lax client
        ],
    )
    def test_passes(self, header: str | None) -> None:
        check_if_match(header, CURRENT)

    @pytest.mark.parametrize("header", ['W/"1"', 'W/"1", "2"', '"e180ee84f0671b"', '"*"'])
    def test_412_for_another_version(self, header: str) -> None:
        with pytest.raises(ScimError) as caught:
            check_if_match(header, CURRENT)
        assert caught.value.status == 412
        assert caught.value.to_body()["status"] == "412"

    def test_tags_with_commas_inside_quotes(self) -> None:
        check_if_match('W/"a,b"', 'W/"a,b"')
        with pytest.raises(ScimError):
            check_if_match('W/"a,b"', 'W/"a"')


class TestIfNoneMatch:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (None, False),
            ("", False),
            (CURRENT, True),
            ('"e180ee84f0671b1"', True),
            ('W/"1", W/"e180ee84f0671b1"', True),
            ("*", True),
            ('W/"1"', False),
        ],
    )
    def test_304_only_when_the_client_has_this_version(
        self, header: str | None, expected: bool
    ) -> None:
        assert if_none_match_satisfied(header, CURRENT) is expected
