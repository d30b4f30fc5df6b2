"""CSRF protection for the portal's forms, with no session (OWASP CSRF cheat sheet).

The portal has no login, so there is no session to bind a token to. Instead:

* the token is an HMAC-SHA256 of the setup link's id under a server key derived from the
  secret key (``SecretBox.derive_key``), so only this server can mint it and it is valid
  for that one link only;
* the page sets it in a ``SameSite=Strict`` cookie scoped to the link's path and puts it
  in a hidden form field (double submit); a POST must carry both, equal to each other and
  to the expected HMAC.

A cross-site form cannot read the page to learn the field, and a SameSite=Strict cookie
is not sent with a cross-site request, so either check alone stops it; both together
also stop a sibling subdomain that could plant a cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from scimbridge.secrets_box import SecretBox

PURPOSE = b"scimbridge/setup-portal/csrf/v1"
COOKIE = "scimbridge_portal_csrf"
FIELD = "csrf_token"


def csrf_token(box: SecretBox, link_id: str) -> str:
    mac = hmac.new(box.derive_key(PURPOSE), link_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def csrf_ok(box: SecretBox, link_id: str, field: str | None, cookie: str | None) -> bool:
    """Both submitted copies present, equal, and this link's token (constant time)."""
    if not field or not cookie:
        return False
    expected = csrf_token(box, link_id).encode("ascii")
    field_ok = hmac.compare_digest(field.encode("utf-8", "replace"), expected)
    cookie_ok = hmac.compare_digest(cookie.encode("utf-8", "replace"), expected)
    return field_ok and cookie_ok
