"""The session-less CSRF token: bound to a link, to the server's key, and double-submitted."""

from __future__ import annotations

from scimbridge.secrets_box import SecretBox
from scimbridge.web.portal.csrf import csrf_ok, csrf_token

BOX = SecretBox("key-one")


def test_bound_to_the_link_and_the_key() -> None:
    token = csrf_token(BOX, "setuplink_a")
    assert token == csrf_token(BOX, "setuplink_a")
    assert token != csrf_token(BOX, "setuplink_b")
    assert token != csrf_token(SecretBox("key-two"), "setuplink_a")


def test_needs_field_and_cookie_both_right() -> None:
    token = csrf_token(BOX, "setuplink_a")
    assert csrf_ok(BOX, "setuplink_a", token, token)
    assert not csrf_ok(BOX, "setuplink_a", token, None)
    assert not csrf_ok(BOX, "setuplink_a", None, token)
    assert not csrf_ok(BOX, "setuplink_a", token, token + "x")
    assert not csrf_ok(BOX, "setuplink_b", token, token)
    assert not csrf_ok(BOX, "setuplink_a", "é", "é")


def test_the_derived_key_is_not_the_encryption_key() -> None:
    assert BOX.derive_key(b"a") != BOX.derive_key(b"b")
    assert len(BOX.derive_key(b"a")) == 32
