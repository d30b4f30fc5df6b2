"""Redaction of what the SCIM request log keeps (pure: no database, no HTTP)."""

from __future__ import annotations

import orjson
import pytest

from scimbridge.observability.redact import (
    BODY_LIMIT,
    PARSE_LIMIT,
    REDACTED,
    is_secret_name,
    redact,
    redact_body,
    redact_filter,
    redact_query,
    scrub_text,
)

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class TestIsSecretName:
    @pytest.mark.parametrize(
        "name",
        [
            "password",
            "Password",
            "userPassword",
            "client_secret",
            "apiKey",
            "x-api-key",
            "access_token",
            "refreshToken",
            "credentials",
            "urn:ietf:params:scim:schemas:core:2.0:User:password",
            "PASSWORD",
            "otp",
        ],
    )
    def test_secret_names(self, name: str) -> None:
        assert is_secret_name(name)

    @pytest.mark.parametrize(
        "name", ["userName", "keywords", "displayName", "emails", "monkey", "tokenize", "id"]
    )
    def test_plain_names(self, name: str) -> None:
        assert not is_secret_name(name)


class TestRedact:
    def test_replaces_secret_members_at_any_depth(self) -> None:
        document = {
            "userName": "jane@acme.com",
            "password": "hunter2",
            ENTERPRISE: {"department": "R&D", "apiKey": "k-123"},
            "emails": [{"value": "jane@acme.com", "secret": {"nested": "x"}}],
        }
        assert redact(document) == {
            "userName": "jane@acme.com",
            "password": REDACTED,
            ENTERPRISE: {"department": "R&D", "apiKey": REDACTED},
            "emails": [{"value": "jane@acme.com", "secret": REDACTED}],
        }

    def test_patch_value_of_a_secret_path(self) -> None:
        # RFC 7644 §3.5.2: how Entra ID and Okta push a password change.
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": "password", "value": "hunter2"},
                {"op": "replace", "path": "displayName", "value": "Jane"},
                {"op": "Replace", "value": {"password": "hunter3", "active": False}},
            ],
        }
        operations = redact(body)["Operations"]
        assert operations[0]["value"] == REDACTED
        assert operations[1]["value"] == "Jane"
        assert operations[2]["value"] == {"password": REDACTED, "active": False}

    def test_filter_member_of_a_search_body(self) -> None:
        assert redact({"filter": 'password eq "x" and userName eq "jane"'}) == {
            "filter": f'password eq "{REDACTED}" and userName eq "jane"'
        }

    def test_token_shaped_strings_in_values(self) -> None:
        assert redact({"note": "use scim_abcdefghijklmnop please"}) == {
            "note": f"use {REDACTED} please"
        }


class TestFilterAndQuery:
    def test_filter_keeps_ordinary_comparisons(self) -> None:
        # RFC 7644 §7.5.2: personal data in filters is kept (see the module docstring).
        text = 'userName eq "jane@acme.com" or emails[value co "acme"]'
        assert redact_filter(text) == text

    def test_filter_redacts_secret_attribute_comparisons(self) -> None:
        assert redact_filter('urn:x:User:password eq "p" and active eq true') == (
            f'urn:x:User:password eq "{REDACTED}" and active eq true'
        )

    def test_query_redacts_access_token_and_filter(self) -> None:
        # RFC 6750 §2.3 allows a bearer token in the query as access_token.
        query = "access_token=scim_abcdefghijkl&filter=password%20eq%20%22p%22&count=5"
        redacted = redact_query(query)
        assert redacted is not None
        assert "scim_abcdefghijkl" not in redacted
        assert "access_token=%5Bredacted%5D" in redacted or "access_token=[redacted]" in redacted
        assert "count=5" in redacted
        assert '"p"' not in redacted

    def test_empty_query_is_none(self) -> None:
        assert redact_query("") is None


class TestBodies:
    def test_json_body_is_redacted_and_kept_whole(self) -> None:
        stored = redact_body(orjson.dumps({"userName": "j", "password": "hunter2"}))
        assert stored.truncated is False
        assert orjson.loads(stored.text or "") == {"userName": "j", "password": REDACTED}
        assert "hunter2" not in (stored.text or "")

    def test_long_body_is_cut_and_marked(self) -> None:
        raw = orjson.dumps({"userName": "é" * 10_000, "password": "hunter2"})
        stored = redact_body(raw)
        assert stored.truncated is True
        assert stored.size == len(raw)
        assert len((stored.text or "").encode("utf-8")) <= BODY_LIMIT
        assert "hunter2" not in (stored.text or "")

    def test_body_beyond_parse_limit_keeps_only_its_size(self) -> None:
        raw = b'{"password": "hunter2", "x": "' + b"a" * PARSE_LIMIT + b'"}'
        stored = redact_body(raw)
        assert (stored.text, stored.truncated, stored.size) == (None, True, len(raw))

    def test_broken_json_is_redacted_by_pattern(self) -> None:
        raw = b'{"userName": "jane", "password": "hunter2", "token": 12345, "x": '
        stored = redact_body(raw)
        assert stored.text is not None
        assert "hunter2" not in stored.text
        assert "12345" not in stored.text
        assert '"userName": "jane"' in stored.text

    def test_unterminated_secret_string_is_redacted(self) -> None:
        stored = redact_body(b'{"password": "hunter2')
        assert "hunter2" not in (stored.text or "")

    def test_empty_body(self) -> None:
        assert redact_body(b"").text is None

    def test_json_too_deep_to_walk_is_redacted_as_text(self) -> None:
        """orjson parses 1,024 levels, deeper than Python recurses: never a crash."""
        raw = b'{"password": "hunter2", "x": ' + b"[" * 1020 + b"]" * 1020 + b"}"
        stored = redact_body(raw)
        assert stored.text is not None
        assert "hunter2" not in stored.text


def test_scrub_text_removes_bearer_credentials_and_nul() -> None:
    text = scrub_text("Authorization: Bearer abc.def-ghi and whsec_AAAAAAAAAAAAAAAA\x00")
    assert "abc.def-ghi" not in text
    assert "whsec_AAAA" not in text
    assert "\x00" not in text


class TestFastPath:
    def test_a_body_with_nothing_to_redact_is_kept_as_it_came(self) -> None:
        raw = b'{"userName": "jane@acme.com", "active": true}'
        assert redact_body(raw).text == raw.decode()

    def test_an_escaped_secret_name_still_takes_the_full_path(self) -> None:
        # "pass\\u0077ord" is "password" once parsed: the probe must not be fooled.
        stored = redact_body(b'{"pass\\u0077ord": "hunter2"}')
        assert "hunter2" not in (stored.text or "")

    def test_parse_asks_for_the_document(self) -> None:
        raw = b'{"id": "user_1"}'
        assert redact_body(raw).document is None
        assert redact_body(raw, parse=True).document == {"id": "user_1"}

    def test_a_long_clean_body_keeps_its_prefix_without_a_split_character(self) -> None:
        raw = orjson.dumps({"userName": "é" * 10_000})
        stored = redact_body(raw)
        assert stored.truncated is True
        assert stored.text is not None
        assert raw.decode().startswith(stored.text)
        assert len(stored.text.encode()) <= BODY_LIMIT

    def test_a_secret_beyond_the_kept_prefix_is_never_kept(self) -> None:
        raw = orjson.dumps({"a": "x" * BODY_LIMIT, "password": "hunter2"})
        stored = redact_body(raw)
        assert "hunter2" not in (stored.text or "")
        assert stored.truncated is True
