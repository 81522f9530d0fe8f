"""`GET /api/v1/messages`: the inbox of guest messages, paged on (received_at, id)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import InboundKind
from tests.support.constants import API_AUTH
from tests.support.factories import make_inbound_messages

T0 = datetime(2030, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def inbox(app: Flask, event_id: int) -> list[str]:
    """Twelve messages: pairs share a timestamp, so pages must break ties on id."""
    sids = [f"SM{n:032x}" for n in range(12)]
    make_inbound_messages(
        app,
        [
            {
                "message_sid": sid,
                "from_phone": f"whatsapp:+1415555{n:04d}",
                "body": f"message {n} ✓ مرحبا",
                "kind": (InboundKind.RSVP, InboundKind.TEXT, InboundKind.OPTOUT)[n % 3],
                "event_id": event_id if n % 2 else None,
                "params": {"MessageSid": sid},
                "received_at": T0 + timedelta(seconds=n // 2),
            }
            for n, sid in enumerate(sids)
        ],
    )
    return sids


def get(client: FlaskClient, **query: Any) -> Any:
    return client.get("/api/v1/messages", query_string=query, headers=API_AUTH)


def test_messages_have_the_contract_fields(
    client: FlaskClient, inbox: list[str], event_id: int
) -> None:
    body = get(client, limit=2).get_json()
    first, second = body["messages"]
    assert first == {
        "sid": inbox[0],
        "from": "whatsapp:+14155550000",
        "body": "message 0 ✓ مرحبا",
        "kind": "rsvp",
        "received_at": T0.isoformat(),
        "event_id": None,
    }
    assert second["event_id"] == event_id
    assert second["kind"] == "text"
    assert body["next_cursor"]


@pytest.mark.parametrize("limit", [1, 5, 7, 12, 500])
def test_cursor_pages_through_everything_once(
    client: FlaskClient, inbox: list[str], limit: int
) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        query = {"direction": "inbound", "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = get(client, **query).get_json()
        seen += [m["sid"] for m in body["messages"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == inbox


def test_since_keeps_messages_at_or_after_it(client: FlaskClient, inbox: list[str]) -> None:
    since = (T0 + timedelta(seconds=3)).isoformat()
    body = get(client, since=since).get_json()
    assert [m["sid"] for m in body["messages"]] == inbox[6:]
    assert body["next_cursor"] is None


def test_since_with_an_offset_and_without(client: FlaskClient, inbox: list[str]) -> None:
    moment = (T0 + timedelta(seconds=5)).replace(tzinfo=None)
    for since in (
        (moment + timedelta(hours=2)).isoformat() + "+02:00",
        (moment - timedelta(hours=5)).isoformat() + "-05:00",
        moment.isoformat() + "Z",
        moment.isoformat(),  # no offset: UTC
    ):
        messages = get(client, since=since).get_json()["messages"]
        assert [m["sid"] for m in messages] == inbox[10:], since


def test_since_and_cursor_together(client: FlaskClient, inbox: list[str]) -> None:
    since = (T0 + timedelta(seconds=2)).isoformat()
    first = get(client, since=since, limit=3).get_json()
    assert [m["sid"] for m in first["messages"]] == inbox[4:7]
    second = get(client, since=since, limit=3, cursor=first["next_cursor"]).get_json()
    assert [m["sid"] for m in second["messages"]] == inbox[7:10]


def test_empty_inbox(client: FlaskClient) -> None:
    assert get(client).get_json() == {"messages": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"direction": "outbound"}, "'direction' must be one of inbound"),
        ({"direction": "both"}, "'direction' must be one of inbound"),
        ({"since": "yesterday"}, "'since' must be an ISO 8601"),
        ({"since": "2030-02-30T00:00:00"}, "'since' must be an ISO 8601"),
        ({"since": "0001-01-01T00:00:00+05:00"}, "between the years"),
        ({"limit": "0"}, "between 1 and 500"),
        ({"limit": "501"}, "between 1 and 500"),
        ({"limit": "x"}, "must be an integer"),
        ({"cursor": "abc"}, "not a cursor"),
        ({"cursor": "WzFd"}, "not a cursor"),  # [1]: the wrong shape
        ({"cursor": "WyJ4IiwxXQ"}, "must be an ISO 8601"),  # ["x", 1]
        ({"cursor": "WyIyMDMwLTAxLTAxIiwiMSJd"}, "not a cursor"),  # ["2030-01-01", "1"]
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, query: dict[str, str], message: str) -> None:
    response = get(client, **query)
    assert response.status_code == 400
    assert response.is_json
    assert message in response.get_json()["message"]


@pytest.mark.parametrize(("limit", "more"), [(11, True), (12, False), (13, False)])
def test_next_cursor_is_null_exactly_on_the_last_page(
    client: FlaskClient, inbox: list[str], limit: int, more: bool
) -> None:
    body = get(client, limit=limit).get_json()
    assert len(body["messages"]) == min(limit, 12)
    assert (body["next_cursor"] is not None) is more


@pytest.mark.parametrize("offset", ["+02:00", "+0200", "+02"])
def test_since_with_a_plus_left_unencoded(
    client: FlaskClient, inbox: list[str], offset: str
) -> None:
    moment = (T0 + timedelta(seconds=5)).replace(tzinfo=None) + timedelta(hours=2)
    raw = f"{moment.isoformat()}{offset}"  # `+` unencoded: the server reads a space
    response = client.get(f"/api/v1/messages?since={raw}", headers=API_AUTH)
    assert response.status_code == 200, response.get_json()
    assert [m["sid"] for m in response.get_json()["messages"]] == inbox[10:]


def test_a_space_elsewhere_in_since_is_still_refused(client: FlaskClient) -> None:
    response = client.get("/api/v1/messages?since=2026-12-01 garbage 00:00", headers=API_AUTH)
    assert response.status_code == 400
