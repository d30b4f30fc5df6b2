"""LDAP failures as :class:`SourceError` kinds, with a sentence an IT admin can act on.

Result codes are RFC 4511 §4.1.9 (Appendix A): invalidCredentials 49, insufficientAccess
Rights 50, noSuchObject 32, sizeLimitExceeded 4, adminLimitExceeded 11, busy 51,
unavailable 52. Connection-level failures (DNS, TCP, TLS, timeouts) arrive as ldap3
exceptions and mean the server could not be reached; a certificate the given CA does not
vouch for is said in those words, because "SSL: CERTIFICATE_VERIFY_FAILED" is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ldap3.core.exceptions import LDAPException

from scimbridge.connectors.base import SourceError

NOT_TRUSTED = (
    "the server's certificate is not trusted by the CA you gave (or does not name the "
    "host in the URL); give the CA that signed it in 'ca_cert'"
)


def raise_for_result(result: Mapping[str, Any], operation: str, *, base: str = "") -> None:
    """Raise the ``SourceError`` for a failed LDAP result; return on success."""
    code = int(result.get("result", 0))
    if code == 0:
        return
    message = str(result.get("message") or result.get("description") or "")
    detail = f" ({result.get('description')}: {message})" if message else ""
    if code == 49:
        raise SourceError(
            "credentials", f"the LDAP server rejected the bind DN or password{detail}"
        )
    if code in (48, 50):
        raise SourceError(
            "permission",
            f"the bind DN may not read what a sync needs ({operation} {base}){detail}; "
            "grant it read access to the user and group base DNs",
        )
    if code == 32:
        raise SourceError(
            "invalid_config",
            f"the base DN '{base}' does not exist on the server; check user_base_dn and "
            "group_base_dn",
        )
    if code in (4, 11):
        raise SourceError(
            "source_error",
            f"the server stopped the search at its size limit{detail}; lower 'page_size' or "
            "raise the bind DN's limit for paged searches (OpenLDAP olcLimits size.pr, AD "
            "MaxPageSize)",
        )
    if code in (51, 52, 80):
        raise SourceError("source_error", f"the LDAP server is busy or unavailable{detail}")
    if code in (34, 87):  # invalidDNSyntax, filterError
        raise SourceError("invalid_config", f"the server refused the {operation}{detail}")
    raise SourceError("source_error", f"LDAP {operation} failed with result {code}{detail}")


def _certificate_problem(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        words = str(current).lower()
        if "certificate" in words:
            return True
        current = current.__cause__ or current.__context__
    return False


def explain_exception(exc: LDAPException, url: str) -> SourceError:
    """A connection-level ldap3 exception as ``unreachable`` with a plain explanation."""
    if _certificate_problem(exc):
        return SourceError("unreachable", f"TLS to {url} failed: {NOT_TRUSTED}")
    return SourceError(
        "unreachable", f"the LDAP server at {url} could not be reached or stopped answering: {exc}"
    )
