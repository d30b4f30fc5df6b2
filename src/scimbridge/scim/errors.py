"""SCIM protocol errors (RFC 7644 §3.12).

Every error the SCIM surface can answer is a :class:`ScimError` carrying the HTTP
``status`` and, where RFC 7644 Table 9 defines one, the ``scimType``. One exception
handler renders them, so protocol code raises and never builds responses itself.

    ScimError
     ├── 400 invalidFilter / tooMany / uniqueness(409) / mutability / invalidSyntax
     │       invalidPath / noTarget / invalidValue / invalidVers / sensitive
     └── plain status errors: 401, 403, 404, 412, 413, 500, 501
"""

from __future__ import annotations

from typing import Any, Final

ERROR_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    """An error answer of the SCIM API (RFC 7644 §3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def to_body(self) -> dict[str, Any]:
        """The RFC 7644 §3.12 error body; ``status`` is a string as the RFC's examples show."""
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type is not None:
            body["scimType"] = self.scim_type
        return body

    def __repr__(self) -> str:
        return f"ScimError({self.status}, {self.detail!r}, scim_type={self.scim_type!r})"


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    return ScimError(400, detail, "mutability")


def too_many(detail: str) -> ScimError:
    return ScimError(400, detail, "tooMany")


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


def not_found(detail: str) -> ScimError:
    return ScimError(404, detail)


def precondition_failed(detail: str) -> ScimError:
    return ScimError(412, detail)
