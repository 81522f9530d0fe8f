"""The door page (app/dashboard/door.py): a party found by code, by name or not at all; let in
by its forms (JSON for the page's script, a redirect without it); the event page's arrivals
and the exports' arrival columns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from app.models import Rsvp
from tests.support.constants import ADMIN_EMAIL
from tests.support.dashboard import text_of
from tests.support.database import execute, query, sql_statements
from tests.support.door import CODES, make_party
from tests.support.factories import make_event

CODE = CODES[0]
JSON = {"Accept": "application/json"}
# 20:04:05 UTC is 21:04:05 in Madrid (CET) on 6 December 2026.
AT = datetime(2026, 12, 6, 20, 4, 5, tzinfo=UTC)


def door(client: FlaskClient, event_id: int, **args: str | int) -> str:
    response = client.get(f"/events/{event_id}/door", query_string=args)
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def post(client: FlaskClient, event_id: int, headers: dict[str, str] | None = None, **form: object):  # type: ignore[no-untyped-def]
    return client.post(f"/events/{event_id}/door/checkins", data=form, headers=headers or {})


def test_the_door_shows_a_pass_its_party_and_how_many_are_in(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    make_party(app, event_id, "Ana García", "+34612345678")
    page = door(user, event_id, code="k7qm-2xdp")
    assert "Ana García" in page and "0 of 3 in" in page and "pass K7QM-2XDP" in page
    assert "Let in all 3" in page and "Let in these" in page
    answer = post(
        user,
        event_id,
        JSON,
        code="K7QM-2XDP",
        count="2",
        device="Door 1",
        scanned_at=AT.isoformat(),
    )
    assert answer.status_code == 200
    assert answer.get_json()["message"] == "Let in 2 of Ana García's party: 2 of 3 in."
    page = door(user, event_id, code=CODE)
    assert "2 of 3 in" in page and "Let in the other 1" in page and "Let in these" not in page
    assert f"First came in at 9:04:05 PM on Dec 6, 2026 by {ADMIN_EMAIL} on Door 1" in page


def test_a_complete_party_is_refused_with_when_and_by_whom(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    make_party(app, event_id, "Ana", "+34612345678", party_size=1)
    post(user, event_id, JSON, code=CODE, device="Door 1", scanned_at=AT.isoformat())
    refused = post(user, event_id, JSON, code=CODE, device="Door 2")
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "Already in: all 1 of Ana's party. The pass was first used at 9:04:05 PM on"
        f" Dec 6, 2026 by {ADMIN_EMAIL} on Door 1."
    )
    page = door(user, event_id, code=CODE)
    assert "Already in: everyone." in page and "Let in" not in page
    assert f"first used at 9:04:05 PM on Dec 6, 2026 by {ADMIN_EMAIL} on Door 1" in page


def test_without_script_a_check_in_goes_back_to_the_door_with_a_message(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    guest_id = make_party(app, event_id, "Ana", "+34612345678", code=None)
    response = post(user, event_id, guest_id=str(guest_id), count="3", client_id="")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event_id}/door?guest={guest_id}"
    page = door(user, event_id, guest=guest_id)
    assert "Let in 3 of Ana's party: 3 of 3 in." in page and "Already in: everyone." in page
    too_many = post(user, event_id, JSON, guest_id=str(guest_id), count="1")
    assert too_many.status_code == 409
    rows = query(app, "SELECT people, user_id IS NOT NULL AS by_user, pass_code FROM checkins")
    assert [(r.people, r.by_user, r.pass_code) for r in rows] == [(3, True, None)]


def test_unknown_codes_bad_counts_and_the_name_search(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_party(app, event_id, "Ana Torres", "+34612345678")
    make_party(app, event_id, "Anabel", "+34612345679", code=CODES[1], rsvp=Rsvp.MAYBE)
    page = door(user, event_id, code="M5PQ-6VYA")
    assert "Not a pass for this event" in page and "Code read: M5PQ-6VYA" in page
    assert post(user, event_id, JSON, code="M5PQ-6VYA").status_code == 404
    assert post(user, event_id, JSON, code=CODES[1]).status_code == 404  # a maybe: no seat
    bad = post(user, event_id, JSON, code=CODE, count="0")
    assert bad.status_code == 400 and "whole number of people" in bad.get_json()["message"]
    over = post(user, event_id, JSON, code=CODE, count="4")
    assert over.status_code == 400 and "3 of the party of 3 are left" in over.get_json()["message"]
    found = door(user, event_id, q="ana")
    assert "Ana Torres 0 of 3 in" in found and "Anabel" not in found  # confirmed guests only
    assert "No guest who said yes" in door(user, event_id, q="nobody")


def test_the_event_page_counts_arrivals_and_links_the_door(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_party(app, event_id, "Ana", "+34612345678")
    make_party(app, event_id, "Bo", "+34612345679", party_size=1, code=CODES[1])
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Arrived: 0 of 4 people" in text_of(html)
    assert f'href="/events/{event_id}/door"' in html
    post(user, event_id, JSON, code=CODE, count="2")
    arrived = user.get(f"/events/{event_id}/arrivals.json")
    assert arrived.get_json() == {"checked_in": 2, "expected": 4}
    assert "Arrived: 2 of 4 people" in text_of(
        user.get(f"/events/{event_id}").get_data(as_text=True)
    )


def read_csv(client: FlaskClient, event_id: int) -> list[dict[str, str]]:
    data = client.get(f"/events/{event_id}/guests.csv").get_data().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(data)))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_exports_say_who_checked_in_and_when_in_one_query_a_page(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    make_party(app, event_id, "Ana", "+34612345678")
    post(user, event_id, JSON, code=CODE, count="2", scanned_at=AT.isoformat())
    post(user, event_id, JSON, code=CODE, count="1")
    with sql_statements(app) as statements:
        (row,) = read_csv(user, event_id)
    assert (row["Checked in"], row["Arrived at (Europe/Madrid)"]) == (
        "3",
        "2026-12-06T21:04:05+01:00",
    )
    arrivals_read = sum("FROM checkins" in statement for statement in statements)
    for n in range(1, 4):
        make_party(app, event_id, f"Guest {n}", f"+3461234560{n}", code=CODES[n])
    with sql_statements(app) as statements:
        rows = read_csv(user, event_id)
    assert [r["Checked in"] for r in rows] == ["3", "0", "0", "0"]
    assert sum("FROM checkins" in statement for statement in statements) == arrivals_read == 1
    execute(app, "DELETE FROM checkins")
    assert read_csv(user, event_id)[0]["Arrived at (Europe/Madrid)"] == ""
