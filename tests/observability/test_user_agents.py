"""The IdP a SCIM client's User-Agent suggests (observability/user_agents.py)."""

from __future__ import annotations

import pytest

from scimbridge.observability.user_agents import idp_from_user_agent


@pytest.mark.parametrize(
    ("user_agent", "idp"),
    [
        ("Okta SCIM Client 1.0.0", "okta"),  # Okta's SCIM 2.0 reference
        ("Microsoft Azure AD SCIM provisioning 1.0.0", "entra"),
        ("Microsoft Entra Provisioning", "entra"),
        ("OneLogin-SCIM/2.0", "onelogin"),
        ("JumpCloud SCIM", "jumpcloud"),
        ("PingFederate SCIM Connector", "ping"),
        ("PingOne", "ping"),
        ("Rippling SCIM", "rippling"),
        ("Apache-HttpClient/4.5.13 (Java/11)", None),  # any Java client: not taken as Ping
        ("python-httpx/0.28", None),
        ("", None),
        (None, None),
    ],
)
def test_idp_from_user_agent(user_agent: str | None, idp: str | None) -> None:
    assert idp_from_user_agent(user_agent) == idp
