"""A failed SCIM request in plain words, and what to change in the IdP (issue 13 §4).

Pure: it reads a request-log summary (status, ``scimType``, detail, method, path) and
the directory's provider, and returns an :class:`Explanation`. The status and
``scimType`` values are RFC 7644's (§3.12, Table 9); the IdP field names come from
``instructions.py`` so an explanation names the same field the setup steps do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scimbridge.web.portal.instructions import (
    SCIM_BASE_URL,
    SCIM_TOKEN,
    field_label,
    instructions_for,
)


@dataclass(frozen=True)
class Explanation:
    summary: str  # what happened, in plain words
    fix: str  # what to change in the IdP

    def to_json(self) -> dict[str, str]:
        return {"summary": self.summary, "fix": self.fix}


_FILTER_HINT = re.compile(r"filter", re.IGNORECASE)


def _unauthorized(provider: str) -> Explanation:
    title = instructions_for(provider).title
    return Explanation(
        "The request carried no SCIM token, or one that is not this directory's current "
        "token (issuing a new token replaces the old one at once).",
        "Issue a new token (the setup page's button, or Rotate SCIM token in the admin "
        f"console) and paste it into {field_label(provider, SCIM_TOKEN)!r} in {title}, then "
        "save and test the connection again.",
    )


def _conflict(provider: str) -> Explanation:
    return Explanation(
        "A user or group with the same userName, externalId or group name already exists "
        "in this directory (RFC 7644 §3.3: uniqueness conflict).",
        "Make sure each person has a distinct username in the IdP (the attribute mapped to "
        "userName, usually the e-mail address), or remove the duplicate. If the IdP lost "
        "track of a user it already created, re-run provisioning for that user: most IdPs "
        "then look the user up instead of creating it again.",
    )


def _bad_request(scim_type: str | None, detail: str, provider: str) -> Explanation:
    if scim_type == "invalidFilter" or (scim_type is None and _FILTER_HINT.search(detail)):
        return Explanation(
            "The IdP sent a search filter this server could not read (RFC 7644 §3.4.2.2).",
            "Check the attribute your IdP matches users on (the unique identifier field, "
            "normally userName) and avoid custom expressions in it; if the IdP generates "
            "the filter itself, send this request's details to the SaaS team.",
        )
    if scim_type == "invalidSyntax":
        return Explanation(
            "The request body was not valid SCIM JSON (RFC 7644 §3.12: invalidSyntax).",
            "Check custom attribute templates or expressions in the IdP's attribute "
            "mapping (for example OneLogin's SCIM JSON Template): every value must produce "
            "valid JSON.",
        )
    if scim_type == "noTarget":
        return Explanation(
            "A PATCH named an attribute or a value filter that matched nothing on the "
            "user or group (RFC 7644 §3.5.2: noTarget).",
            "Check the attribute mapping for the attribute named in the detail; a mapping "
            "to an attribute the user does not have usually causes this.",
        )
    if scim_type in ("invalidValue", "invalidPath", "mutability"):
        return Explanation(
            f"An attribute value was refused ({scim_type}): {detail or 'no detail given'}.",
            "Fix the attribute named in the detail in the IdP's attribute mapping: a "
            "required attribute (userName, a group's displayName) may be empty, or a value "
            "has the wrong type or is read-only.",
        )
    return Explanation(
        f"The request was refused as malformed: {detail or 'no detail given'}.",
        "Check the IdP's attribute mapping for the attribute named in the detail.",
    )


def _not_found(path: str, provider: str) -> Explanation:
    if re.search(r"/(Users|Groups)/[^/]+$", path):
        return Explanation(
            "The IdP asked for a user or group this directory does not have: it was "
            "deleted here, or it was created under another SCIM URL.",
            "Re-push the user or group from the IdP (or unassign and re-assign it) so the "
            "IdP creates it again.",
        )
    return Explanation(
        "The request went to a URL this server does not serve.",
        f"Check {field_label(provider, SCIM_BASE_URL)!r}: paste it exactly as shown on this page, "
        "without anything added after it.",
    )


def explain(
    status: int, scim_type: str | None, detail: str | None, *, method: str, path: str, provider: str
) -> Explanation | None:
    """None for a success; otherwise what failed and what to change in the IdP."""
    detail = detail or ""
    if status < 400:
        return None
    if status == 401:
        return _unauthorized(provider)
    if status == 403:
        return Explanation(
            "The directory refused the request: it is inactive, or the action is not "
            "allowed for this directory.",
            "Ask the SaaS team to activate the directory; nothing needs changing in the IdP.",
        )
    if status == 409:
        return _conflict(provider)
    if status == 400:
        return _bad_request(scim_type, detail, provider)
    if status == 404:
        return _not_found(path, provider)
    if status == 412:
        return Explanation(
            "The user or group changed since the IdP last read it (RFC 7644 §3.14).",
            "Nothing to change: the IdP retries after reading the current version.",
        )
    if status == 413:
        return Explanation(
            "The request body was larger than this server accepts (RFC 7644 §3.7.3).",
            "Provision large groups in smaller batches, or lower the batch size of Bulk "
            "requests if your IdP lets you.",
        )
    if status == 429:
        return Explanation(
            "The IdP sent requests faster than this server accepts, so some were asked to "
            "wait (RFC 6585 §4).",
            "Nothing to change: the IdP retries after the Retry-After delay. If it does "
            "not, lower its provisioning rate or concurrency.",
        )
    if status >= 500:
        return Explanation(
            "The server could not complete the request (a temporary problem on our side).",
            "Nothing to change in the IdP: it retries on its own. If this keeps happening, "
            "tell the SaaS team the time of the request.",
        )
    return Explanation(
        f"The request failed with HTTP {status} on {method} {path}: {detail or 'no detail given'}.",
        "Check the request details against the setup steps above.",
    )
