"""Telling guests of an event's change, and canceling it, from the dashboard: the edit leads
to a page that says what the update sends and to how many; a second confirmation sends
nothing more; the cancel page says who is told and what is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.support.dashboard import text_of
from tests.support.database import execute, scalar
from tests.support.factories import invite, make_event, make_guests

MADRID = "Europe/Madrid"
START = datetime(2027, 5, 8, 17, 30, tzinfo=UTC)  # 19:30 in Madrid


def invited_boda(app: Flask) -> int:
    """An event in Madrid whose four guests were invited: yes, yes, maybe, no answer."""
    event_id = make_event(app, "Boda", starts_at=START, time_zone=MADRID, venue="Finca")
    guests = make_guests(
        app,
        event_id,
        [("Ana", "+34612345678"), ("Bo", "+34612345679"), ("Cy", "+34612345670"),
         ("ليلى", "+971501234567")],
    )  # fmt: skip
    for guest_id, rsvp in zip(guests, ("confirmed", "confirmed", "maybe", None), strict=True):
        invite(app, guest_id, rsvp=rsvp)
    return event_id


def edit(user: FlaskClient, event_id: int, starts_at: str) -> str:
    """Save the event's form with a new start; where it leads."""
    form = {"name": "Boda", "starts_at": starts_at, "time_zone": MADRID, "venue": "Finca",
            "plus_ones": "0", "offer_hours": "24"}  # fmt: skip
    response = user.post(f"/events/{event_id}/edit", data=form)
    assert response.status_code == 302, text_of(response.get_data(as_text=True))
    return str(response.headers["Location"])


def test_an_edit_after_invitations_leads_to_what_the_update_sends_and_to_how_many(
    app: Flask, user: FlaskClient
) -> None:
    event_id = invited_boda(app)
    assert edit(user, event_id, "2027-05-08T19:30") == f"/events/{event_id}"  # unchanged

    assert edit(user, event_id, "2027-05-08T21:30") == f"/events/{event_id}/notify"
    page = text_of(user.get(f"/events/{event_id}/notify").get_data(as_text=True))
    assert "Guests who said yes: 2" in page
    assert "Also the guests who said maybe (1)" in page
    assert "Also the guests who have not answered (1)" in page
    assert "Send the update to 2 guests" in page
    # No template here: the plain words, in each language, and why they reach few.
    assert "Boda ha cambiado. Ahora es el sáb, 8 may 2027, 21:30" in page
    assert "only to guests who wrote in the last 24 hours" in page
    wider = text_of(user.get(f"/events/{event_id}/notify?maybe=1&unanswered=1").get_data(True))
    assert "Send the update to 4 guests" in wider
    home = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "the guests were not told" in home

    sent = user.post(f"/events/{event_id}/notify", data={"maybe": "1"})
    again = user.post(f"/events/{event_id}/notify", data={"maybe": "1"})

    assert sent.status_code == again.status_code == 302
    assert sent.headers["Location"] == again.headers["Location"]
    assert scalar(app, "SELECT count(*) FROM campaigns WHERE kind = 'update'") == 1
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'update'") == 3
    told = text_of(user.get(f"/events/{event_id}/notify").get_data(as_text=True))
    assert "already told of this change" in told
    home = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "the guests were not told" not in home
    # Ana's conversation shows the update as the plain words she gets (no template here).
    ana = scalar(app, "SELECT min(id) FROM guests WHERE event_id = :e", e=event_id)
    thread = text_of(user.get(f"/guests/{ana}/conversation").get_data(as_text=True))
    assert "Update" in thread and "Boda ha cambiado." in thread


def test_a_canceled_event_tells_every_invited_guest_once_from_the_dashboard(
    app: Flask, user: FlaskClient
) -> None:
    event_id = invited_boda(app)
    make_guests(app, event_id, [("Not invited", "+34612345671")])
    page = text_of(user.get(f"/events/{event_id}/cancel").get_data(as_text=True))
    assert "Guests whose invitation went out: 4" in page
    assert "lo sentimos: Boda el sáb, 8 may 2027" in page

    response = user.post(f"/events/{event_id}/cancel", data={"notify": "1"})
    user.post(f"/events/{event_id}/cancel", data={"notify": "1"})

    assert response.status_code == 302
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'cancellation'") == 4
    assert scalar(app, "SELECT count(*) FROM campaigns WHERE kind = 'cancellation'") == 1
    home = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "Canceled" in home and "nothing more is sent" in home
    edit_page = user.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert "Cancel the event…" not in edit_page


def test_canceling_without_telling_anyone_sends_nothing(app: Flask, user: FlaskClient) -> None:
    event_id = invited_boda(app)
    response = user.post(f"/events/{event_id}/cancel", data={})
    assert response.status_code == 302
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'cancellation'") == 0
    assert scalar(app, "SELECT canceled_at IS NOT NULL FROM events WHERE id = :e", e=event_id)


def test_after_the_event_the_page_offers_a_thank_you_and_a_missed_you_once_each(
    app: Flask, user: FlaskClient
) -> None:
    event_id = invited_boda(app)  # Ana and Bo said yes; Ana came in
    execute(
        app,
        "INSERT INTO checkins (event_id, guest_id, people, scanned_at)"
        " SELECT event_id, id, 1, now() FROM guests WHERE name = 'Ana'",
    )
    before = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "After the event" in before and "Once the event has started." in before
    refused = user.post(f"/events/{event_id}/thanks")
    assert refused.status_code == 302
    assert scalar(app, "SELECT count(*) FROM campaigns") == 0

    execute(app, "UPDATE events SET starts_at = now() - interval '3 hours'")
    page = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "Guests who checked in, not yet told: 1" in page
    assert "Confirmed guests who did not come, not yet told: 1" in page
    assert "Send the thank-you" in page and "Send the missed-you" in page

    user.post(f"/events/{event_id}/thanks")
    user.post(f"/events/{event_id}/missed")
    user.post(f"/events/{event_id}/thanks")  # a second click

    rows = scalar(
        app,
        "SELECT string_agg(i.kind || ':' || g.name, ',' ORDER BY i.kind) FROM invitations i"
        " JOIN guests g ON g.id = i.guest_id WHERE i.kind IN ('thanks', 'missed')",
    )
    assert rows == "missed:Bo,thanks:Ana"
    assert scalar(app, "SELECT count(*) FROM campaigns WHERE kind = 'thanks'") == 1
