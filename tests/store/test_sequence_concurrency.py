"""Per-directory sequences are gap-free under real concurrency (RELIABILITY.md §2).

Two separate ``scimbridge serve`` processes share one database and receive concurrent
SCIM writes for the same directories; afterwards every directory's events must be
numbered 1..N with no gap and no repeat, one per acknowledged change.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.factories import group_resource, members, user_resource
from tests.support.processes import serve_process

pytestmark = pytest.mark.slow


def test_two_processes_concurrent_writes_keep_sequences_gapless(databases, tmp_path) -> None:
    url = databases.new_url()
    with ExitStack() as stack:
        bases = [
            stack.enter_context(
                serve_process(url, ADMIN_TOKEN, "--no-worker", log=tmp_path / f"s{i}.log")
            )
            for i in range(2)
        ]
        admin = stack.enter_context(
            httpx.Client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60)
        )
        directories = [
            admin.post(
                f"{bases[0]}/api/v1/directories",
                json={"name": f"D{i}", "tenant": "t", "provider": "generic"},
            ).json()
            for i in range(2)
        ]

        def provision(job: int) -> int:
            directory = directories[job % 2]
            base = bases[job % len(bases)]
            path = f"{base}/scim/v2/{directory['id']}"
            headers = {"Authorization": f"Bearer {directory['scim_token']}"}
            with httpx.Client(headers=headers, timeout=60) as client:
                user = client.post(
                    f"{path}/Users", json=user_resource(userName=f"c{job}@example.com")
                )
                assert user.status_code == 201, user.text
                group = client.post(
                    f"{path}/Groups", json=group_resource(members=members(user.json()["id"]))
                )
                assert group.status_code == 201, group.text
                deactivate = client.patch(
                    f"{path}/Users/{user.json()['id']}",
                    json={
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "value": {"active": False}}],
                    },
                )
                assert deactivate.status_code == 200, deactivate.text
            return 4  # user.created, group.created, group.user_added, user.deactivated

        jobs = 40
        with ThreadPoolExecutor(max_workers=16) as pool:
            expected = sum(pool.map(provision, range(jobs)))

        total = 0
        for directory in directories:
            sequences: list[int] = []
            after = None
            while True:
                params = {
                    "directory_id": directory["id"],
                    "limit": 100,
                    **({"after": after} if after else {}),
                }
                page = admin.get(f"{bases[1]}/api/v1/events", params=params).json()
                if not page["data"]:
                    break
                sequences.extend(e["sequence"] for e in page["data"])
                after = page["list_metadata"]["after"]
            assert sequences == list(range(1, len(sequences) + 1))
            total += len(sequences)
        assert total == expected
