"""Encryption at rest for webhook secrets and connector credentials.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under keys derived from the
configured secret keys (``secret_keys`` says where they live: never in the database they
protect). Each Fernet key is derived with HKDF-SHA256 (RFC 5869) under a purpose label,
so the same secret key could later derive keys for other purposes without them ever
being equal. Several secret keys make a MultiFernet: the first encrypts, every one
decrypts, which is what rotating to a new key needs (``scimbridge secret-key rotate``).

Ciphertexts written before HKDF (a bare SHA-256 of a fixed prefix and the key) stay
readable: every key also yields its old derivation, tried last, and ``rotate``
re-encrypts them under the current derivation.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The HKDF "info" (RFC 5869 §3.2): binds the derived key to what it is used for.
PURPOSE = b"scimbridge/secret-box/fernet/v1"
# A known plaintext stored encrypted in the database, so a process whose key differs
# from the one the database was encrypted with refuses to start instead of failing at
# the first delivery (see ``secret_keys.verify``).
KEY_CHECK_PLAINTEXT = "scimbridge key check"


def hkdf_fernet_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=PURPOSE).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


def legacy_fernet_key(secret_key: str) -> bytes:
    """The derivation of scimbridge before HKDF; kept only to read old ciphertexts."""
    derived = hashlib.sha256(("scimbridge-secret-box:" + secret_key).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(derived)


class SecretBox:
    """Encrypts under ``secret_key``; decrypts under it and every ``previous`` key."""

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        keys = [secret_key, *(key for key in previous if key != secret_key)]
        current = [Fernet(hkdf_fernet_key(key)) for key in keys]
        legacy = [Fernet(legacy_fernet_key(key)) for key in keys]
        self._fernet = MultiFernet(current + legacy)
        self._primary = current[0]
        self._secret_key = keys[0]

    def derive_key(self, purpose: bytes) -> bytes:
        """A 32-byte key for another purpose (HKDF info), never equal to the Fernet key.

        The setup portal signs its CSRF tokens with one (``web/portal/csrf.py``).
        """
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose).derive(
            self._secret_key.encode("utf-8")
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise ValueError("secret cannot be decrypted with the configured secret key") from error

    def is_current(self, ciphertext: str) -> bool:
        """Is ``ciphertext`` already under the first key's current derivation?"""
        try:
            self._primary.decrypt(ciphertext.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext encrypted under the first key (ValueError if unreadable)."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken as error:
            raise ValueError("secret cannot be decrypted with the configured secret key") from error
