"""Which identity provider a SCIM client's ``User-Agent`` suggests (a hint, never trust).

The header is free text any client can set, so the result only labels the request log
("this looks like Okta"); nothing is decided on it. Sources, per IdP:

* Okta: "User-Agent: Okta SCIM Client 1.0.0" in Okta's SCIM 2.0 reference, on every
  example request (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/).
* Entra ID: Microsoft does not document the header; SCIM servers that recognise Entra
  (e.g. public test code matching "Microsoft Azure AD SCIM provisioning 1.0.0") match on
  "Azure AD" / "Microsoft". Matched here: "azure", "entra", "microsoft".
* PingFederate's SCIM connector was seen with a bare "Apache-HttpClient/…" (the same test
  code); that is any Java client, so it is NOT taken as Ping. Matched: "pingfederate",
  "pingone", "ping identity".
* OneLogin, JumpCloud, Rippling: no published sample was found; their product names are
  matched case-insensitively ("onelogin", "jumpcloud", "rippling"), which is what their
  clients are expected to carry. Unknown clients give ``None``.
"""

from __future__ import annotations

# Checked in order; the first needle found in the lower-cased header wins.
SIGNATURES: tuple[tuple[str, str], ...] = (
    ("okta", "okta"),
    ("entra", "azure"),
    ("entra", "entra"),
    ("entra", "microsoft"),
    ("onelogin", "onelogin"),
    ("jumpcloud", "jumpcloud"),
    ("ping", "pingfederate"),
    ("ping", "pingone"),
    ("ping", "ping identity"),
    ("rippling", "rippling"),
)


def idp_from_user_agent(user_agent: str | None) -> str | None:
    """The provider name (as in the directory's ``provider``) a user agent suggests."""
    if not user_agent:
        return None
    lowered = user_agent.lower()
    for idp, needle in SIGNATURES:
        if needle in lowered:
            return idp
    return None
