"""The Google source against the fake Directory API (tests/support/fake_google.py), a real
HTTP server on 127.0.0.1: paging, suspension, nested groups, auth and every error kind."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from scimbridge.connectors.base import SourceError
from scimbridge.connectors.google import (
    SECRET_FIELDS,
    GoogleSource,
    open_source,
    validate_connection,
)
from tests.connectors.google_fixtures import (  # noqa: F401 (fixtures, by name)
    Waits,
    google,
    open_google,
    retry,
    sa_connection,
    sa_key,
    waits,
)
from tests.support.fake_google import ALL_SCOPES, SCOPE, FakeGoogle, new_key, service_account_key

USERS = "/admin/directory/v1/users"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch_error(source: GoogleSource) -> SourceError:
    with pytest.raises(SourceError) as caught:
        list(source.users())
    return caught.value


def test_users_page_through_every_page(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    for n in range(1100):
        google.add_user(f"user{n}@example.com", "User", str(n))
    source = open_google(sa_connection(google, sa_key))
    users = list(source.users())
    assert len(users) == 1101
    assert len({u.source_id for u in users}) == 1101
    assert google.pages(USERS) == [(0, 200), (1, 200), (2, 200)]
    assert source.pages_fetched == 3
    query = google.log[0].query
    assert query["customer"] == "my_customer"
    assert query["projection"] == "full"
    assert query["maxResults"] == "500"


def test_suspended_and_archived_users_are_inactive_and_changes_show_next_run(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    kept = google.add_user("kept@example.com")
    google.add_user("gone@example.com", suspended=True, suspensionReason="ADMIN")
    google.add_user("old@example.com", archived=True)
    connection = sa_connection(google, sa_key)
    first = {u.resource["userName"]: u.resource["active"] for u in open_google(connection).users()}
    assert first == {
        "admin@example.com": True,
        "kept@example.com": True,
        "gone@example.com": False,
        "old@example.com": False,
    }
    kept["primaryEmail"] = "renamed@example.com"
    kept["suspended"] = True
    second = {u.source_id: u.resource for u in open_google(connection).users()}
    assert second[kept["id"]]["userName"] == "renamed@example.com"
    assert second[kept["id"]]["active"] is False


def nested(google: FakeGoogle) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """eng ⊃ {ada, platform}; platform ⊃ {bob}."""
    ada, bob = google.add_user("ada@example.com"), google.add_user("bob@example.com")
    eng = google.add_group("eng@example.com", "Engineering")
    platform = google.add_group("platform@example.com", "Platform")
    google.add_member(eng, ada)
    google.add_member(eng, platform, kind="GROUP")
    google.add_member(platform, bob)
    return ada, bob, eng


@pytest.mark.parametrize("flatten", [False, True])
def test_nested_groups_flatten_only_when_asked(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any, flatten: bool
) -> None:
    ada, bob, _ = nested(google)
    source = open_google(sa_connection(google, sa_key, flatten_groups=flatten))
    groups = {g.resource["displayName"]: g for g in source.groups()}
    assert set(groups) == {"Engineering", "Platform"}
    members = set(source.members(groups["Engineering"]))
    assert members == ({ada["id"], bob["id"]} if flatten else {ada["id"]})
    derived = [e.query.get("includeDerivedMembership") for e in google.log if "members" in e.path]
    assert derived == ["true" if flatten else None]


def test_customer_member_means_every_user(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    for n in range(3):
        google.add_user(f"u{n}@example.com")
    everyone = google.add_group("all@example.com", "Everyone")
    google.add_member(everyone, None, kind="CUSTOMER")
    source = open_google(sa_connection(google, sa_key))
    (group,) = source.groups()
    assert set(source.members(group)) == set(google.users)


def test_members_page_through_every_page(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    group = google.add_group("big@example.com", "Big")
    for n in range(450):
        google.add_member(group, google.add_user(f"m{n}@example.com"))
    source = open_google(sa_connection(google, sa_key))
    (found,) = source.groups()
    assert len(list(source.members(found))) == 450
    assert google.pages(f"{group['id']}/members") == [(0, 200), (1, 200), (2, 200)]


def test_refresh_token_flow(google: FakeGoogle, open_google: Any) -> None:
    google.add_user("x@example.com")
    oauth = google.refresh_token("admin@example.com")
    source = open_google({**oauth, "api_base_url": google.url, "token_uri": google.token_uri})
    assert len(list(source.users())) == 2


def test_expired_access_token_is_refreshed_once(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any, waits: Waits
) -> None:
    for n in range(600):
        google.add_user(f"user{n}@example.com")
    source = open_google(sa_connection(google, sa_key))
    users = source.users()
    next(users)
    google.tokens.clear()  # Google revoked or expired the token mid-run
    assert len([1, *users]) == 601
    assert google.pages(USERS) == [(0, 200), (1, 401), (1, 200)]
    assert waits.asked == []  # a new token, not a backoff


def test_scope_not_delegated_is_a_permission_error(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    connection = sa_connection(google, sa_key)
    google.service_accounts["sync@proj.iam.gserviceaccount.com"][1].discard(
        SCOPE + "admin.directory.group.member.readonly"
    )
    error = fetch_error(open_google(connection))
    assert error.kind == "permission"
    assert "Manage Domain Wide Delegation" in error.explanation


def test_token_without_a_scope_gets_403_and_a_permission_error(
    google: FakeGoogle, open_google: Any
) -> None:
    oauth = google.refresh_token(
        "admin@example.com", ALL_SCOPES - {SCOPE + "admin.directory.group.readonly"}
    )
    source = open_google(
        {
            **oauth,
            "api_base_url": google.url,
            "token_uri": google.token_uri,
            "customer": "my_customer",
        }
    )
    with pytest.raises(SourceError) as caught:
        list(source.groups())
    assert caught.value.kind == "permission"
    assert "insufficient authentication scopes" in caught.value.explanation
    assert google.pages("/groups") == [(0, 403)]


def test_subject_who_is_no_admin_is_a_permission_error(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    google.add_user("staff@example.com")
    error = fetch_error(open_google(sa_connection(google, sa_key, subject="staff@example.com")))
    assert error.kind == "permission"
    assert "Not Authorized to access this resource/api" in error.explanation


def test_key_google_does_not_know_is_a_credentials_error(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    connection = sa_connection(google, sa_key)

    connection["service_account"] = service_account_key(
        new_key(), "sync@proj.iam.gserviceaccount.com", google.token_uri
    )
    error = fetch_error(open_google(connection))
    assert error.kind == "credentials"
    assert "Invalid JWT Signature" in error.explanation
    assert google.log == []  # no API call without a token


def test_revoked_refresh_token_is_a_credentials_error(google: FakeGoogle, open_google: Any) -> None:
    oauth = google.refresh_token("admin@example.com")
    google.refresh_tokens.clear()
    error = fetch_error(
        open_google({**oauth, "api_base_url": google.url, "token_uri": google.token_uri})
    )
    assert error.kind == "credentials"


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rateLimitExceeded"), (403, "userRateLimitExceeded")]
)
def test_rate_limit_then_success_resumes_the_same_page(
    google: FakeGoogle,
    sa_key: rsa.RSAPrivateKey,
    open_google: Any,
    waits: Waits,
    status: int,
    reason: str,
) -> None:
    for n in range(1100):
        google.add_user(f"user{n}@example.com")
    google.fail(status, reason=reason, retry_after="2", path=USERS, page=1, times=2)
    source = open_google(sa_connection(google, sa_key))
    assert len(list(source.users())) == 1101
    # page 0 once, page 1 refused twice then read with the same token, then page 2
    assert google.pages(USERS) == [(0, 200), (1, status), (1, status), (1, 200), (2, 200)]
    tokens = {e.query["pageToken"] for e in google.log if e.page == 1}
    assert len(tokens) == 1
    assert waits.asked == [2.0, 2.0]  # Retry-After honoured
    assert source.pages_fetched == 3


@pytest.mark.parametrize(
    ("retry_after", "requests", "waited"),
    [("1", 4, [1.0, 1.0, 1.0]), ("3600", 1, [])],  # 3600 s: beyond max_wait, stop at once
)
def test_rate_limit_that_does_not_end_is_rate_limited(
    google: FakeGoogle,
    sa_key: rsa.RSAPrivateKey,
    open_google: Any,
    waits: Waits,
    retry_after: str,
    requests: int,
    waited: list[float],
) -> None:
    google.fail(429, reason="rateLimitExceeded", retry_after=retry_after, path=USERS, times=99)
    error = fetch_error(open_google(sa_connection(google, sa_key)))
    assert error.kind == "rate_limited"
    assert error.retry_after == float(retry_after)
    assert len(google.pages(USERS)) == requests
    assert waits.asked == waited


def test_server_errors_are_retried_with_growing_backoff(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any, waits: Waits
) -> None:
    google.fail(503, path=USERS, times=2)
    source = open_google(sa_connection(google, sa_key))
    assert len(list(source.users())) == 1
    assert google.pages(USERS) == [(0, 503), (0, 503), (0, 200)]
    assert len(waits.asked) == 2
    # base·2ⁿ plus up to one base of jitter: 0.01-0.02, then 0.02-0.03
    assert 0.01 <= waits.asked[0] <= 0.02 < waits.asked[1] <= 0.03


def test_server_errors_that_persist_are_a_source_error(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    google.fail(500, path=USERS, times=99)
    error = fetch_error(open_google(sa_connection(google, sa_key)))
    assert error.kind == "source_error"
    assert "500" in error.explanation


def test_slow_answer_is_retried_then_unreachable(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    google.fail(200, delay=1.0, path=USERS, times=1)
    source = open_google(sa_connection(google, sa_key, timeout_seconds=0.3))
    assert len(list(source.users())) == 1  # the retry is answered in time
    google.fail(200, delay=1.0, path=USERS, times=4)
    error = fetch_error(open_google(sa_connection(google, sa_key, timeout_seconds=0.3)))
    assert error.kind == "unreachable"


def test_closed_port_is_unreachable(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    api_down = sa_connection(google, sa_key, api_base_url=f"http://127.0.0.1:{closed_port()}")
    assert fetch_error(open_google(api_down)).kind == "unreachable"
    token_down = sa_connection(google, sa_key, token_uri=f"http://127.0.0.1:{closed_port()}/t")
    error = fetch_error(open_google(token_down))
    assert error.kind == "unreachable"
    assert "token endpoint" in error.explanation


def test_unknown_customer_is_invalid_config(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    error = fetch_error(open_google(sa_connection(google, sa_key, customer="C0nosuch")))
    assert error.kind == "invalid_config"
    assert "my_customer" in error.explanation


def test_open_source_validates_and_secret_fields_name_the_secrets(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey
) -> None:
    source = open_source(sa_connection(google, sa_key))
    try:
        assert source.pages_fetched == 0
    finally:
        source.close()
    assert set(SECRET_FIELDS) == {"service_account", "client_secret", "refresh_token"}
    with pytest.raises(ValueError, match="subject"):
        open_source({"service_account": google.service_account(sa_key)})


def test_validate_connection_normalises_defaults(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey
) -> None:
    key = google.service_account(sa_key)
    settings = validate_connection(
        {"service_account": json.dumps(key), "subject": " admin@example.com "}
    )
    assert settings == {
        "service_account": key,
        "subject": "admin@example.com",
        "customer": "my_customer",
        "api_base_url": "https://admin.googleapis.com",
        "token_uri": "https://oauth2.googleapis.com/token",
        "flatten_groups": False,
        "timeout_seconds": 30.0,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "unknown connection fields: colour"),
        ({"refresh_token": "x"}, "not both"),
        ({"subject": "not-an-email"}, "subject"),
        ({"service_account": "{not json"}, "JSON key file"),
        ({"service_account": {"type": "authorized_user"}}, "service_account"),
        ({"customer": "my customer!"}, "customer"),
        ({"api_base_url": "http://admin.example.com"}, "https://"),
        ({"token_uri": "https://x.example/token?a=1"}, "query"),
        ({"flatten_groups": "yes"}, "flatten_groups"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": True}, "timeout_seconds"),
    ],
)
def test_validate_connection_refuses_bad_settings(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, change: dict[str, Any], message: str
) -> None:
    connection = {**sa_connection(google, sa_key), **change}
    with pytest.raises(ValueError, match=message):
        validate_connection(connection)


def test_validate_connection_refuses_a_broken_private_key(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey
) -> None:
    connection = sa_connection(google, sa_key)
    connection["service_account"]["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
    with pytest.raises(ValueError, match="not a PEM private key"):
        validate_connection(connection)


@pytest.mark.parametrize("missing", ["client_id", "client_secret", "refresh_token"])
def test_validate_connection_needs_the_whole_refresh_token_triple(missing: str) -> None:
    oauth = {"client_id": "c", "client_secret": "s", "refresh_token": "r"}
    del oauth[missing]
    with pytest.raises(ValueError, match=missing):
        validate_connection(oauth)
    with pytest.raises(ValueError, match="give service_account"):
        validate_connection({})


def test_group_deleted_between_groups_and_members_has_no_members(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    _, _, eng = nested(google)
    source = open_google(sa_connection(google, sa_key))
    listed = {g.source_id: g for g in source.groups()}
    del google.groups[eng["id"]]
    assert list(source.members(listed[eng["id"]])) == []
    assert google.pages(f"{eng['id']}/members") == [(0, 404)]


@pytest.mark.parametrize("broken", ["not an object", {"kind": "admin#directory#user", "id": "9"}])
def test_a_user_google_should_never_send_stops_the_run(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any, broken: Any
) -> None:
    """Skipping it would make the person look deleted to reconciliation."""
    google.users["broken"] = broken
    error = fetch_error(open_google(sa_connection(google, sa_key)))
    assert error.kind == "invalid_data"


def test_token_refused_even_when_fresh_is_a_credentials_error(
    google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    google.fail(401, reason="authError", path=USERS, times=2)
    error = fetch_error(open_google(sa_connection(google, sa_key)))
    assert error.kind == "credentials"
    assert google.pages(USERS) == [(0, 401), (0, 401)]
