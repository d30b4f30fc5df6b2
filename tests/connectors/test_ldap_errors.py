"""LDAP result codes (RFC 4511 Appendix A) as SourceError kinds; those slapd cannot be
made to send to a connector (insufficientAccessRights, adminLimitExceeded) are checked
here, the others also against slapd in test_ldap.py."""

from __future__ import annotations

import ssl

import pytest
from ldap3.core.exceptions import LDAPSocketOpenError, LDAPStartTLSError

from scimbridge.connectors.base import SourceError
from scimbridge.connectors.ldap_errors import NOT_TRUSTED, explain_exception, raise_for_result


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (49, "credentials", "bind DN or password"),
        (50, "permission", "read access"),
        (32, "invalid_config", "does not exist"),
        (4, "source_error", "page_size"),
        (11, "source_error", "page_size"),
        (51, "source_error", "busy"),
        (87, "invalid_config", "refused"),
        (1, "source_error", "result 1"),
    ],
)
def test_result_codes(code: int, kind: str, words: str) -> None:
    with pytest.raises(SourceError) as raised:
        raise_for_result({"result": code, "description": "x", "message": "m"}, "search", base="b")
    assert raised.value.kind == kind
    assert words in raised.value.explanation


def test_success_raises_nothing() -> None:
    raise_for_result({"result": 0}, "search")


def test_a_certificate_failure_is_explained_in_plain_words() -> None:
    try:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed")
        except ssl.SSLError as exc:
            raise LDAPStartTLSError("wrap socket error") from exc
    except LDAPStartTLSError as wrapped:
        error = explain_exception(wrapped, "ldap://dc1")
    assert error.kind == "unreachable"
    assert NOT_TRUSTED in error.explanation


def test_a_socket_failure_is_unreachable() -> None:
    error = explain_exception(LDAPSocketOpenError("connection refused"), "ldaps://dc1")
    assert error.kind == "unreachable"
    assert "ldaps://dc1" in error.explanation
    assert NOT_TRUSTED not in error.explanation
