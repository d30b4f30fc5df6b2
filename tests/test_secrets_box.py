"""SecretBox: HKDF-derived Fernet keys, previous keys, and the old derivation still read."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken

from scimbridge.secrets_box import SecretBox, hkdf_fernet_key, legacy_fernet_key


def test_keys_are_derived_with_hkdf_not_the_old_sha256() -> None:
    assert hkdf_fernet_key("k") != legacy_fernet_key("k")
    ciphertext = SecretBox("k").encrypt("whsec_x")
    assert Fernet(hkdf_fernet_key("k")).decrypt(ciphertext.encode()) == b"whsec_x"
    with pytest.raises(InvalidToken):
        Fernet(legacy_fernet_key("k")).decrypt(ciphertext.encode())


def test_ciphertexts_of_the_old_derivation_still_decrypt() -> None:
    old = Fernet(legacy_fernet_key("k")).encrypt(b"whsec_old").decode()
    box = SecretBox("k")
    assert box.decrypt(old) == "whsec_old"
    assert not box.is_current(old)
    rotated = box.rotate(old)
    assert box.is_current(rotated)
    assert box.decrypt(rotated) == "whsec_old"


def test_previous_keys_decrypt_and_rotate_moves_to_the_first_key() -> None:
    old_box = SecretBox("old")
    ciphertext = old_box.encrypt("secret")
    box = SecretBox("new", ["old"])
    assert box.decrypt(ciphertext) == "secret"
    assert not box.is_current(ciphertext)
    rotated = box.rotate(ciphertext)
    assert SecretBox("new").decrypt(rotated) == "secret"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        old_box.decrypt(rotated)
    # New values are written under the first key only.
    assert SecretBox("new").decrypt(box.encrypt("fresh")) == "fresh"


def test_an_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("other").decrypt(SecretBox("k").encrypt("x"))
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("other").rotate(SecretBox("k").encrypt("x"))
