"""The python-scim project's RFC 7643/7644 checker (scim2-tester) against the running server.

Every check must pass except those listed in :data:`NOT_APPLICABLE`, each with the reason
it does not apply; the list is exact, so a newly failing check fails this test and a
check that starts passing must be removed from the list.
"""

from __future__ import annotations

import httpx
from scim2_tester import Status, check_server

from tests.support.clients import Directory
from tests.support.scim2_engine import HttpxSCIMClient

# members.display is read-only (RFC 7643 §4.2, §8.7.1) and the server fills it with the
# member's display name; the checker expects the value it sent back verbatim.
NOT_APPLICABLE = {
    ("check_add_attribute", "Group"),
    ("check_replace_attribute", "Group"),
}


def test_scim2_tester_checks_pass(directory: Directory) -> None:
    with httpx.Client(
        base_url=directory.scim_base_url,
        headers={"Authorization": f"Bearer {directory.scim_token}"},
        timeout=30,
    ) as http:
        results = check_server(HttpxSCIMClient(http))
    failing = {(r.title, r.resource_type) for r in results if r.status != Status.SUCCESS}
    details = [
        f"{r.title} {r.resource_type}: {r.reason}"
        for r in results
        if (r.title, r.resource_type) in failing - NOT_APPLICABLE
    ]
    assert failing == NOT_APPLICABLE, details
    assert len(results) > 100
