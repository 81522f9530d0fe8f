"""`GET /api/v1/events/<id>/guests` and `/stats`: invitation state, filters, pages, counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from app.models import DeliveryStatus, Rsvp, SendState
from app.services.events import DELIVERY_BUCKETS
from tests.support.constants import API_AUTH
from tests.support.database import sql_statements
from tests.support.factories import invite, make_opt_out
from tests.support.guest_lists import stored_guests

ACCEPTED_AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

# phone suffix -> invitation columns (None: not invited)
STATES: dict[int, dict[str, Any] | None] = {
    0: None,
    1: None,
    2: {"send_state": SendState.PENDING},
    3: {"send_state": SendState.SENDING},
    4: {"send_state": SendState.FAILED, "error_code": 21211, "error_reason": "Invalid number"},
    5: {"send_state": SendState.ACCEPTED, "delivery_status": DeliveryStatus.QUEUED},
    6: {"send_state": SendState.ACCEPTED, "delivery_status": DeliveryStatus.DELIVERED},
    7: {
        "send_state": SendState.ACCEPTED,
        "delivery_status": DeliveryStatus.READ,
        "rsvp": Rsvp.CONFIRMED,
    },
    8: {
        "send_state": SendState.ACCEPTED,
        "delivery_status": DeliveryStatus.READ,
        "rsvp": Rsvp.DECLINED,
    },
    9: {
        "send_state": SendState.ACCEPTED,
        "delivery_status": DeliveryStatus.UNDELIVERED,
        "error_code": 63024,
        "error_reason": "Not a WhatsApp user",
    },
    10: {
        "send_state": SendState.ACCEPTED,
        "delivery_status": DeliveryStatus.DELIVERED,
        "rsvp": Rsvp.MAYBE,
    },
    11: {"send_state": SendState.CANCELED},
    12: {"send_state": SendState.ACCEPTED},
}


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


@pytest.fixture
def invited(app: Flask, client: FlaskClient, event_id: int) -> int:
    """An event whose guests are in every RSVP and delivery state; one opted out."""
    rows = [{"name": f"Guest {n}", "phone": phone(n), "n": n} for n in STATES]
    response = client.post(
        f"/api/v1/events/{event_id}/guests", json={"guests": rows}, headers=API_AUTH
    )
    assert response.get_json()["imported"] == len(STATES)
    guests = stored_guests(app, event_id)
    for n, columns in STATES.items():
        if columns is not None:
            accepted_at = ACCEPTED_AT if "delivery_status" in columns else None
            invite(app, guests[phone(n)].id, accepted_at=accepted_at, **columns)
    make_opt_out(app, phone(8))
    return event_id


def list_guests(client: FlaskClient, event_id: int, **query: Any) -> Any:
    return client.get(f"/api/v1/events/{event_id}/guests", query_string=query, headers=API_AUTH)


def numbers(body: dict[str, Any]) -> list[int]:
    return [int(guest["phone"][-4:]) for guest in body["guests"]]


def test_stats_count_every_state_in_one_breakdown(client: FlaskClient, invited: int) -> None:
    body = client.get(f"/api/v1/events/{invited}/stats", headers=API_AUTH).get_json()
    assert body["event_id"] == invited
    assert body["guests"] == 13
    assert body["rsvp"] == {"confirmed": 1, "declined": 1, "maybe": 1, "no_answer": 10}
    expected = dict.fromkeys(DELIVERY_BUCKETS, 0)
    expected.update(
        not_sent=2,
        pending=1,
        sending=1,
        failed=1,
        canceled=1,
        accepted=1,
        queued=1,
        delivered=2,
        read=2,
        undelivered=1,
    )
    assert body["delivery"] == expected
    assert sum(body["delivery"].values()) == body["guests"]
    assert body["opted_out"] == 1
    assert body["unreachable"] == 0
    event = client.get(f"/api/v1/events/{invited}", headers=API_AUTH).get_json()
    assert event["stats"] == {k: v for k, v in body.items() if k != "event_id"}


def test_delivery_buckets_cover_every_state() -> None:
    assert set(DELIVERY_BUCKETS) == {"not_sent"} | set(SendState) | set(DeliveryStatus)


def test_stats_of_an_event_are_its_own(client: FlaskClient, invited: int) -> None:
    other = client.post("/api/v1/events", json={"name": "Other"}, headers=API_AUTH).get_json()["id"]
    body = client.get(f"/api/v1/events/{other}/stats", headers=API_AUTH).get_json()
    assert body["guests"] == 0
    assert set(body["delivery"].values()) == {0}


def test_listing_carries_the_invitation_state(client: FlaskClient, invited: int) -> None:
    body = list_guests(client, invited, limit=500).get_json()
    assert body["next_cursor"] is None
    by_number = {int(g["phone"][-4:]): g for g in body["guests"]}
    assert numbers(body) == sorted(STATES)
    assert by_number[0] == {
        "id": by_number[0]["id"],
        "name": "Guest 0",
        "phone": phone(0),
        "language": "en",  # inferred from the phone (US)
        "variables": {"n": "0"},
        "plus_ones": None,
        "party_size": None,
        "waitlist_position": None,
        "page_url": by_number[0]["page_url"],
        "pass_code": None,  # no pass before a yes
        "checked_in": 0,  # nobody of the party came in
        "rsvp": None,
        "delivery_status": None,
        "send_state": None,
        "invited_at": None,
        "accepted_at": None,
        "rsvp_at": None,
        "error_code": None,
        "error_reason": None,
        "bucket": "not_sent",
        "opted_out": False,
        "answers": [],
    }
    assert by_number[0]["page_url"].startswith("http://localhost/e/")
    assert len({guest["page_url"] for guest in body["guests"]}) == len(body["guests"])
    seven = by_number[7]
    assert (seven["rsvp"], seven["delivery_status"], seven["send_state"]) == (
        "confirmed",
        "read",
        "accepted",
    )
    assert datetime.fromisoformat(seven["accepted_at"]) == ACCEPTED_AT
    assert seven["invited_at"] is not None
    assert by_number[9]["error_code"] == 63024
    assert by_number[9]["error_reason"] == "Not a WhatsApp user"
    assert by_number[4]["bucket"] == "failed"
    assert by_number[12]["bucket"] == "accepted"
    assert by_number[8]["opted_out"] is True


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rsvp": "confirmed"}, [7]),
        ({"rsvp": "confirmed,maybe"}, [7, 10]),
        ({"rsvp": "DECLINED"}, [8]),
        ({"rsvp": "no_answer"}, [0, 1, 2, 3, 4, 5, 6, 9, 11, 12]),
        ({"rsvp": "no_answer,confirmed"}, [0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12]),
        ({"delivery_status": "read"}, [7, 8]),
        ({"delivery_status": "not_sent"}, [0, 1]),
        ({"delivery_status": "failed,undelivered"}, [4, 9]),
        ({"delivery_status": "pending,sending"}, [2, 3]),
        ({"delivery_status": "delivered", "rsvp": "maybe"}, [10]),
        ({"delivery_status": "sent"}, []),
    ],
)
def test_filters(
    client: FlaskClient, invited: int, query: dict[str, str], expected: list[int]
) -> None:
    response = list_guests(client, invited, **query)
    assert response.status_code == 200
    assert numbers(response.get_json()) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"delivery_status": "paused"},
        {"delivery_status": "read", "rsvp": "maybe"},
        {"rsvp": "declined", "delivery_status": "delivered", "q": "guest"},
    ],
)
def test_filters_no_invitation_passes_read_no_guest(
    app: Flask, client: FlaskClient, invited: int, query: dict[str, str]
) -> None:
    with sql_statements(app) as statements:
        response = list_guests(client, invited, **query)
    assert response.get_json() == {"guests": [], "next_cursor": None}
    assert not [statement for statement in statements if "FROM guests" in statement]


def test_pages_follow_the_cursor_without_gaps_or_repeats(client: FlaskClient, invited: int) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = list_guests(client, invited, **query).get_json()
        seen += numbers(body)
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(STATES)
    assert pages == 3


def test_cursor_combines_with_filters(client: FlaskClient, invited: int) -> None:
    first = list_guests(client, invited, rsvp="no_answer", limit=4).get_json()
    assert numbers(first) == [0, 1, 2, 3]
    second = list_guests(
        client, invited, rsvp="no_answer", limit=4, cursor=first["next_cursor"]
    ).get_json()
    assert numbers(second) == [4, 5, 6, 9]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"rsvp": "yes"}, "'rsvp' must be one of confirmed, declined, maybe, no_answer"),
        ({"rsvp": "confirmed,"}, "'rsvp' must be one of"),
        ({"delivery_status": "lost"}, "'delivery_status' must be one of not_sent"),
        ({"limit": "-1"}, "between 1 and 500"),
        ({"limit": "1.5"}, "must be an integer"),
        ({"cursor": "%%%"}, "not a cursor"),
        ({"cursor": "WyIxIl0"}, "not a cursor"),  # ["1"]
        ({"cursor": "W3RydWVd"}, "not a cursor"),  # [true]
        ({"cursor": "Wy0xXQ"}, "not a cursor"),  # [-1]
    ],
)
def test_bad_query_parameters_are_400(
    client: FlaskClient, event_id: int, query: dict[str, str], message: str
) -> None:
    response = list_guests(client, event_id, **query)
    assert response.status_code == 400
    assert message in response.get_json()["message"]


SEARCHABLE = [
    ("José Álvarez", "+34 612 345 678"),
    ("Zoë Ørsted", "+45 32 12 34 56"),
    ("ليلى أحمد", "+971 50 123 4567"),
    ("Ahmed 100% Real", "+12025550101"),
    ("snake_case", "+12025550102"),
    ("Back\\slash", "+12025550103"),
    ("Ada Lovelace", "+447911123456"),
    ("Adam Smith", "+447911123457"),
]


@pytest.fixture
def searchable(app: Flask, client: FlaskClient, event_id: int) -> int:
    """An event whose guests have names in several scripts and LIKE's special characters."""
    rows = [{"name": name, "phone": number} for name, number in SEARCHABLE]
    response = client.post(
        f"/api/v1/events/{event_id}/guests", json={"guests": rows}, headers=API_AUTH
    )
    assert response.get_json()["imported"] == len(SEARCHABLE)
    (ada,) = (g for g in stored_guests(app, event_id).values() if g.name == "Ada Lovelace")
    invite(app, ada.id, delivery_status=DeliveryStatus.READ, rsvp=Rsvp.CONFIRMED)
    return event_id


def names(body: dict[str, Any]) -> list[str]:
    return [guest["name"] for guest in body["guests"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "ليلى"}, ["ليلى أحمد"]),
        ({"q": "أحمد"}, ["ليلى أحمد"]),
        ({"q": "álvarez"}, ["José Álvarez"]),
        ({"q": "alvarez"}, []),  # accents are compared as typed
        ({"q": "zoë"}, ["Zoë Ørsted"]),
        ({"q": "  ada   LOVE "}, ["Ada Lovelace"]),  # whitespace collapsed
        ({"q": "ada"}, ["Ada Lovelace", "Adam Smith"]),
        ({"q": "+34 612"}, ["José Álvarez"]),
        ({"q": "612-345"}, ["José Álvarez"]),
        ({"q": "(202) 555-01"}, ["Ahmed 100% Real", "snake_case", "Back\\slash"]),
        ({"q": "1123457"}, ["Adam Smith"]),
        ({"q": "12"}, []),  # fewer than three digits: not a phone search
        ({"q": "%"}, ["Ahmed 100% Real"]),  # not a wildcard
        ({"q": "100%"}, ["Ahmed 100% Real"]),
        ({"q": "_"}, ["snake_case"]),
        ({"q": "e_c"}, ["snake_case"]),
        ({"q": "k\\s"}, ["Back\\slash"]),
        ({"q": "\\"}, ["Back\\slash"]),
        ({"q": ""}, [name for name, _ in SEARCHABLE]),
        ({"q": "ada", "rsvp": "confirmed"}, ["Ada Lovelace"]),
        ({"q": "ada", "rsvp": "no_answer"}, ["Adam Smith"]),
        ({"q": "ada", "delivery_status": "not_sent"}, ["Adam Smith"]),
        ({"q": "+44 7911", "delivery_status": "read"}, ["Ada Lovelace"]),
    ],
)
def test_search_by_name_or_phone(
    client: FlaskClient, searchable: int, query: dict[str, str], expected: list[str]
) -> None:
    response = list_guests(client, searchable, **query)
    assert response.status_code == 200
    assert names(response.get_json()) == expected


def test_search_folds_case_beyond_ascii(app: Flask, client: FlaskClient, searchable: int) -> None:
    with app.app_context():
        ctype = db.session.execute(
            text("SELECT datctype FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    if ctype in ("C", "POSIX"):
        pytest.skip(f"the database's locale ({ctype}) folds the case of ASCII letters only")
    assert names(list_guests(client, searchable, q="JOSÉ ÁLVAREZ").get_json()) == ["José Álvarez"]
    assert names(list_guests(client, searchable, q="ørsted").get_json()) == ["Zoë Ørsted"]


def test_search_is_within_the_event(client: FlaskClient, searchable: int) -> None:
    other = client.post("/api/v1/events", json={"name": "Other"}, headers=API_AUTH).get_json()["id"]
    guest = {"name": "Ada Other", "phone": "+447911123999"}
    client.post(f"/api/v1/events/{other}/guests", json={"guests": [guest]}, headers=API_AUTH)
    assert names(list_guests(client, searchable, q="ada").get_json()) == [
        "Ada Lovelace",
        "Adam Smith",
    ]
    assert names(list_guests(client, other, q="ada").get_json()) == ["Ada Other"]


def test_search_pages_follow_the_cursor(client: FlaskClient, event_id: int) -> None:
    rows = [{"name": f"Guest {n:02d}", "phone": f"+1202555{n:04d}"} for n in range(30)]
    client.post(f"/api/v1/events/{event_id}/guests", json={"guests": rows}, headers=API_AUTH)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"q": "guest 1", "limit": 4, **({"cursor": cursor} if cursor else {})}
        body = list_guests(client, event_id, **query).get_json()
        seen += names(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Guest {n}" for n in range(10, 20)]


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("x" * 101, "'q' must be at most 100 characters"),
        ("ada\x00", "'q' contains characters that can't be stored"),
    ],
)
def test_bad_searches_are_400(client: FlaskClient, event_id: int, q: str, message: str) -> None:
    response = list_guests(client, event_id, q=q)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
