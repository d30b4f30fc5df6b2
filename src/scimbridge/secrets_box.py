"""Encryption at rest for webhook secrets and connector credentials.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key derived from
``SCIMBRIDGE_SECRET_KEY``; when that is unset, a random key is generated on first start
and kept in the database (contract). Rotating keys is a MultiFernet away.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = hashlib.sha256(("scimbridge-secret-box:" + secret_key).encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise ValueError("secret cannot be decrypted with the configured secret key") from error
