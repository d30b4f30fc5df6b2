"""Each failure class gets plain words and an IdP-specific change (pure, no I/O)."""

from __future__ import annotations

import pytest

from scimbridge.web.portal.explain import explain
from scimbridge.web.portal.instructions import BY_PROVIDER

USERS = "/scim/v2/directory_x/Users"


def run(status: int, scim_type: str | None = None, detail: str | None = None, **kw):
    values = {"method": "POST", "path": USERS, "provider": "okta", **kw}
    return explain(status, scim_type, detail, **values)


class TestExplain:
    @pytest.mark.parametrize("status", [200, 201, 204, 304])
    def test_successes_need_no_explanation(self, status: int) -> None:
        assert run(status) is None

    @pytest.mark.parametrize(
        ("provider", "field"),
        [
            ("okta", "Authorization (Bearer)"),
            ("entra", "Secret Token"),
            ("onelogin", "SCIM Bearer Token"),
            ("jumpcloud", "Token Key"),
            ("ping", "OAuth Access Token"),
            ("rippling", "Bearer Token"),
            ("generic", "Token"),
        ],
    )
    def test_401_names_the_providers_token_field(self, provider: str, field: str) -> None:
        explanation = run(401, provider=provider)
        assert explanation is not None
        assert f"'{field}'" in explanation.fix
        assert "not this directory's current token" in explanation.summary

    def test_409_is_a_uniqueness_conflict(self) -> None:
        explanation = run(409, "uniqueness", "userName 'a' is already taken")
        assert explanation is not None
        assert "already exists" in explanation.summary
        assert "distinct username" in explanation.fix

    @pytest.mark.parametrize(
        ("scim_type", "words"),
        [
            ("invalidFilter", "search filter"),
            ("invalidSyntax", "not valid SCIM JSON"),
            ("noTarget", "matched nothing"),
            ("invalidValue", "invalidValue"),
        ],
    )
    def test_400_by_scim_type(self, scim_type: str, words: str) -> None:
        explanation = run(400, scim_type, "bad")
        assert explanation is not None
        assert words in explanation.summary

    def test_400_without_type_mentioning_a_filter(self) -> None:
        explanation = run(400, None, "the filter could not be parsed")
        assert explanation is not None
        assert "search filter" in explanation.summary

    def test_404_on_a_resource_and_on_a_wrong_url(self) -> None:
        resource = run(404, path=f"{USERS}/user_1", method="GET")
        assert resource is not None
        assert "does not have" in resource.summary
        wrong = run(404, path="/scim/v2/directory_x/Userz", provider="entra")
        assert wrong is not None
        assert "'Tenant URL'" in wrong.fix

    @pytest.mark.parametrize(
        ("status", "words"),
        [
            (413, "larger"),
            (429, "faster"),
            (500, "temporary"),
            (503, "temporary"),
            (412, "changed"),
        ],
    )
    def test_other_statuses(self, status: int, words: str) -> None:
        explanation = run(status)
        assert explanation is not None
        assert words in explanation.summary

    def test_an_unlisted_status_still_says_what_failed(self) -> None:
        explanation = run(405, detail="method not allowed")
        assert explanation is not None
        assert "405" in explanation.summary


class TestEveryProviderIsExplainable:
    @pytest.mark.parametrize("provider", [*BY_PROVIDER, "generic", "ldap", "csv"])
    def test_every_status_class(self, provider: str) -> None:
        for status in (400, 401, 403, 404, 409, 413, 429, 500):
            explanation = run(status, provider=provider)
            assert explanation is not None
            assert explanation.summary
            assert explanation.fix
