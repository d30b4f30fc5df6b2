"""Webhook URLs are vetted when saved, with the policy delivery applies at connect time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from scimbridge.errors import InvalidRequest
from scimbridge.services.webhook_urls import validate_webhook_url
from tests.conftest import make_settings
from tests.support.server import running_server


def answers(*addresses: str) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError("must not resolve")


def fails(host: str, port: int) -> list[str]:
    raise OSError("Name or service not known")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1, a private, loopback"),
        ("http://[::1]/hook", "::1"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("ftp://hooks.example.com/x", "http:// or https://"),
        ("https://user:pass@hooks.example.com/x", "credentials"),
        ("https://user@hooks.example.com/x", "credentials"),
        ("https://hooks.example.com:99999/x", "invalid port"),
        ("https://xn--a.example/x", "not a valid host name"),
        ("https://exa_mple..com/x", "not a valid host name"),
    ],
)
def test_refused_urls(url: str, reason: str) -> None:
    with pytest.raises(InvalidRequest, match=re.escape(reason)):
        validate_webhook_url(url, allow_private=False, resolve=answers("93.184.215.14"))


def test_every_address_of_the_name_must_be_public() -> None:
    ok = "https://hooks.example.com/x"
    assert validate_webhook_url(ok, allow_private=False, resolve=answers("93.184.215.14")) == ok
    with pytest.raises(InvalidRequest, match=re.escape("resolves to 10.1.2.3")):
        validate_webhook_url(ok, allow_private=False, resolve=answers("93.184.215.14", "10.1.2.3"))


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="does not resolve"):
        validate_webhook_url("https://typo.example/x", allow_private=False, resolve=fails)
    with pytest.raises(InvalidRequest, match="does not resolve"):
        validate_webhook_url("https://empty.example/x", allow_private=False, resolve=answers())


def test_international_names_are_resolved_in_their_ascii_form() -> None:
    seen: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        seen.append(f"{host}:{port}")
        return ["93.184.215.14"]

    validate_webhook_url("https://Bücher.example/hook", allow_private=False, resolve=resolve)
    assert seen == ["xn--bcher-kva.example:443"]


def test_allowing_private_addresses_skips_resolution() -> None:
    url = "http://receiver.internal:8080/hook"
    assert validate_webhook_url(url, allow_private=True, resolve=no_dns) == url
    assert validate_webhook_url("http://127.0.0.1/h", allow_private=True, resolve=no_dns)
    with pytest.raises(InvalidRequest, match="credentials"):
        validate_webhook_url("http://u:p@127.0.0.1/h", allow_private=True, resolve=no_dns)


@pytest.fixture
def strict_admin(database_url: str) -> Iterator[httpx.Client]:
    """A server that refuses private webhook targets, as in production."""
    settings = make_settings(database_url, webhook_allow_private=False, embedded_worker=False)
    with (
        running_server(settings) as server,
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.admin_token}"},
            timeout=30,
        ) as client,
    ):
        yield client


def test_the_admin_api_refuses_private_webhook_urls_on_create_and_patch(
    strict_admin: httpx.Client,
) -> None:
    body = {"name": "Acme", "tenant": "acme", "provider": "okta"}
    for url in ("http://127.0.0.1:9/hook", "http://localhost:8080/hook", "http://[::1]/x"):
        response = strict_admin.post("/api/v1/directories", json={**body, "webhook_url": url})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_request"
        assert "private, loopback or reserved" in response.json()["error"]["message"]
    created = strict_admin.post(
        "/api/v1/directories", json={**body, "webhook_url": "https://93.184.215.14/hook"}
    )
    assert created.status_code == 201, created.text
    directory_id = created.json()["id"]
    patched = strict_admin.patch(
        f"/api/v1/directories/{directory_id}", json={"webhook_url": "http://10.0.0.7/hook"}
    )
    assert patched.status_code == 400, patched.text
    assert "10.0.0.7" in patched.json()["error"]["message"]
    shown = strict_admin.get(f"/api/v1/directories/{directory_id}").json()
    assert shown["webhook_url"] == "https://93.184.215.14/hook"
