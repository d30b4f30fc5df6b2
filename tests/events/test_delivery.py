"""Webhook delivery end to end: SCIM change → outbox → signed POST at a real receiver."""

from __future__ import annotations

import json
import threading
import time

import httpx
from standardwebhooks.webhooks import Webhook

from tests.factories import user_resource
from tests.support.clients import create_directory, scim_client
from tests.support.receiver import Answer, Received, webhook_receiver


def provision(directory, count: int) -> list[str]:
    with scim_client(directory) as client:
        ids = []
        for _ in range(count):
            response = client.post("/Users", json=user_resource())
            assert response.status_code == 201
            ids.append(response.json()["id"])
        return ids


def sequences(received: list[Received]) -> list[int]:
    return [json.loads(r.body)["sequence"] for r in received]


def test_events_arrive_signed_in_order_and_verify(admin: httpx.Client) -> None:
    with webhook_receiver() as receiver:
        directory = create_directory(admin, webhook_url=receiver.url)
        secret = directory.body["webhook_secret"]
        provision(directory, 5)
        received = receiver.wait_for(5)
    assert sequences(received) == [1, 2, 3, 4, 5]
    feed = admin.get("/api/v1/events", params={"directory_id": directory.id}).json()["data"]
    for item, event in zip(received, feed, strict=True):
        payload = Webhook(secret).verify(item.body, item.headers)
        assert payload == event
        assert item.headers["webhook-id"] == event["id"]
        assert item.headers["content-type"] == "application/json"


def test_failing_receiver_gets_everything_in_order_once_it_recovers(admin: httpx.Client) -> None:
    calls = {"n": 0}
    lock = threading.Lock()

    def flaky(_: Received) -> Answer:
        with lock:
            calls["n"] += 1
            return Answer(500, body=b"boom") if calls["n"] <= 3 else Answer(200)

    with webhook_receiver(flaky) as receiver:
        directory = create_directory(admin, webhook_url=receiver.url)
        provision(directory, 4)
        received = receiver.wait_for(4)
    assert sequences(received) == [1, 2, 3, 4]
    attempts = admin.get(
        f"/api/v1/directories/{directory.id}/deliveries", params={"limit": 100}
    ).json()["data"]
    failed = [a for a in attempts if not a["success"]]
    assert len(failed) == 3
    assert all(a["status_code"] == 500 and a["response_excerpt"] == "boom" for a in failed)
    assert [a["attempt"] for a in sorted(failed, key=lambda a: a["id"])] == [1, 2, 3]
    assert {a["sequence"] for a in failed} == {1}
    assert sum(a["success"] for a in attempts) == 4
    status = admin.get(f"/api/v1/directories/{directory.id}").json()["webhook_status"]
    assert status["pending_events"] == 0
    assert status["state"] == "active"


def test_dead_endpoint_does_not_hold_back_another_directory(admin: httpx.Client) -> None:
    with webhook_receiver(lambda _: Answer(503)) as dead, webhook_receiver() as alive:
        stuck = create_directory(admin, webhook_url=dead.url)
        healthy = create_directory(admin, webhook_url=alive.url)
        provision(stuck, 3)
        provision(healthy, 3)
        received = alive.wait_for(3)
        assert sequences(received) == [1, 2, 3]
        status = admin.get(f"/api/v1/directories/{stuck.id}").json()["webhook_status"]
        assert status["pending_events"] == 3
        assert status["consecutive_failures"] >= 1
        assert "HTTP 503" in status["last_error"]


def test_replay_resends_the_same_event(admin: httpx.Client) -> None:
    with webhook_receiver() as receiver:
        directory = create_directory(admin, webhook_url=receiver.url)
        provision(directory, 1)
        first = receiver.wait_for(1)[0]
        event_id = first.headers["webhook-id"]
        replayed = admin.post(f"/api/v1/events/{event_id}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["success"] is True
        second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == event_id
    assert second.body == first.body
    kinds = [
        a["kind"]
        for a in admin.get(f"/api/v1/directories/{directory.id}/deliveries").json()["data"]
    ]
    assert sorted(kinds) == ["replay", "scheduled"]
    assert admin.post("/api/v1/events/event_nope/replay").status_code == 404


def test_changing_the_url_takes_effect_for_the_next_attempt(admin: httpx.Client) -> None:
    with webhook_receiver(lambda _: Answer(500)) as old, webhook_receiver() as new:
        directory = create_directory(admin, webhook_url=old.url)
        provision(directory, 2)
        deadline = time.monotonic() + 10
        while not admin.get(f"/api/v1/directories/{directory.id}/deliveries").json()["data"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (
            admin.patch(
                f"/api/v1/directories/{directory.id}", json={"webhook_url": new.url}
            ).status_code
            == 200
        )
        received = new.wait_for(2)
    assert sequences(received) == [1, 2]


def test_directory_without_webhook_keeps_events_in_the_feed(admin: httpx.Client) -> None:
    directory = create_directory(admin)
    provision(directory, 2)
    assert admin.get(f"/api/v1/directories/{directory.id}").json()["webhook_status"] is None
    feed = admin.get("/api/v1/events", params={"directory_id": directory.id}).json()["data"]
    assert [e["sequence"] for e in feed] == [1, 2]
    assert admin.get(f"/api/v1/directories/{directory.id}/deliveries").json()["data"] == []
