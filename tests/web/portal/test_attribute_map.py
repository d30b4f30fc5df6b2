"""The IT admin maps only what the SaaS team allowed, validated and audited as the link."""

from __future__ import annotations

import httpx

from tests.support.clients import create_directory, scim_client
from tests.support.server import RunningServer
from tests.web.portal.conftest import new_link, submit

TITLE_PATH = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division"


def allowed_directory(admin: httpx.Client, **overrides):
    return create_directory(admin, portal_attribute_allowlist=["job_title", "badge"], **overrides)


class TestAdminAllowList:
    def test_set_on_create_and_patch(self, admin: httpx.Client) -> None:
        directory = allowed_directory(admin)
        assert directory.body["portal_attribute_allowlist"] == ["job_title", "badge"]
        url = f"/api/v1/directories/{directory.id}"
        patched = admin.patch(url, json={"portal_attribute_allowlist": ["x", "x"]})
        assert patched.status_code == 200
        assert patched.json()["portal_attribute_allowlist"] == ["x"]
        assert admin.get(url).json()["portal_attribute_allowlist"] == ["x"]
        same = admin.patch(url, json={"portal_attribute_allowlist": ["x"]})
        assert same.status_code == 200
        cleared = admin.patch(url, json={"portal_attribute_allowlist": None}).json()
        assert cleared["portal_attribute_allowlist"] == []
        audit = admin.get("/api/v1/audit-log", params={"directory_id": directory.id}).json()
        changes = [entry["details"]["changed"] for entry in audit["data"][:3]]
        assert changes[0] == {"portal_attribute_allowlist": {"old": ["x"], "new": []}}
        assert changes[1] == {}  # the same list again changes nothing
        assert changes[2]["portal_attribute_allowlist"]["new"] == ["x"]

    def test_default_is_empty_and_bad_lists_are_400(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        assert directory.body["portal_attribute_allowlist"] == []
        url = f"/api/v1/directories/{directory.id}"
        for bad in ([""], ["x" * 201], [f"k{i}" for i in range(51)], "job_title", [1]):
            response = admin.patch(url, json={"portal_attribute_allowlist": bad})
            assert response.status_code == 400, bad
            assert response.json()["error"]["message"]


class TestPortalMapping:
    def test_maps_an_allowed_key_and_previews_the_newest_user(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = allowed_directory(admin, attribute_map={"secret_key_of_saas": "nickName"})
        with scim_client(directory) as scim:
            scim.post("/Users", json={"userName": "old@example.com", "title": "Old"})
            scim.post(
                "/Users",
                json={
                    "userName": "new@example.com",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                        "division": "Engineer"
                    },
                },
            )
        link = new_link(admin, directory)
        page = it_admin.get(link["url"]).text
        assert "secret_key_of_saas" not in page  # keys outside the allow-list stay hidden
        saved = submit(it_admin, link, action="map_attributes", **{"map:job_title": TITLE_PATH})
        assert saved.status_code == 200
        assert 'id="map-saved"' in saved.text
        assert 'data-key="job_title">Engineer</dd>' in saved.text
        assert "new@example.com" in saved.text
        assert "old@example.com" not in saved.text
        body = admin.get(f"/api/v1/directories/{directory.id}").json()
        assert body["attribute_map"]["job_title"] == TITLE_PATH
        assert body["attribute_map"]["secret_key_of_saas"] == "nickName"
        audit = admin.get("/api/v1/audit-log", params={"directory_id": directory.id}).json()
        entry = audit["data"][0]
        assert entry["actor"] == {"kind": "setup_link", "id": link["id"]}
        assert entry["action"] == "directory.updated"
        changed = entry["details"]["changed"]["attribute_map"]
        assert changed == {"job_title": {"old": None, "new": TITLE_PATH}}

        badge = submit(it_admin, link, action="map_attributes", **{"map:badge": "nickName"})
        assert badge.status_code == 200
        assert 'value="nickName"' in badge.text
        # Emptied: "badge" has no default, so it is no longer mapped; "job_title" falls
        # back to its built-in default path, which the form then shows.
        fields = {"map:badge": "", "map:job_title": ""}
        unmapped = submit(it_admin, link, action="map_attributes", **fields)
        assert unmapped.status_code == 200
        body = admin.get(f"/api/v1/directories/{directory.id}").json()
        assert "badge" not in body["attribute_map"]
        assert body["attribute_map"]["job_title"] == "title"

    def test_keys_outside_the_allow_list_and_bad_paths_are_400(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = allowed_directory(admin, attribute_map={"secret_key_of_saas": "nickName"})
        link = new_link(admin, directory)
        forged = submit(
            it_admin, link, action="map_attributes", **{"map:secret_key_of_saas": "title"}
        )
        assert forged.status_code == 400
        assert "may not be mapped here" in forged.text
        typo = submit(it_admin, link, action="map_attributes", **{"map:job_title": "titel"})
        assert typo.status_code == 400
        assert "is not an attribute" in typo.text
        assert 'value="titel"' in typo.text  # the form keeps what was typed
        body = admin.get(f"/api/v1/directories/{directory.id}").json()
        assert body["attribute_map"]["secret_key_of_saas"] == "nickName"
        assert body["attribute_map"]["job_title"] == "title"  # the default, untouched

    def test_no_allow_list_no_form(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin)
        link = new_link(admin, directory)
        assert "Map custom attributes" not in it_admin.get(link["url"]).text
        refused = submit(it_admin, link, action="map_attributes", **{"map:anything": "title"})
        assert refused.status_code == 400
