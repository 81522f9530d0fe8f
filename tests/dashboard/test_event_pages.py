"""The events list, the new-event form and an event's page, through the test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import DeliveryStatus, Event, Guest, Rsvp, SendState
from tests.support.dashboard import link_param, text_of
from tests.support.factories import invite, make_event, make_guests, make_opt_out


def seed_event(app: Flask) -> tuple[int, list[int]]:
    """An event with six guests in different states."""
    event_id = make_event(app, "Nikah reception", venue="Grand Hall")
    guests = make_guests(
        app,
        event_id,
        [
            ("Ada Lovelace", "+12025550101"),
            ("ليلى أحمد", "+971501234567"),
            ("José Álvarez", "+34612345678"),
            ("Grace Hopper", "+12025550104"),
            ("Mei Chen", "+12025550106"),
            ("Noah Müller", "+4915123456789"),
        ],
    )
    invite(app, guests[0], delivery_status=DeliveryStatus.READ, rsvp=Rsvp.CONFIRMED)
    invite(app, guests[1], delivery_status=DeliveryStatus.DELIVERED, rsvp=Rsvp.CONFIRMED)
    invite(app, guests[2], delivery_status=DeliveryStatus.SENT, rsvp=Rsvp.DECLINED)
    invite(
        app,
        guests[3],
        send_state=SendState.FAILED,
        error_code=63024,
        error_reason="not a WhatsApp user",
    )
    invite(app, guests[4], send_state=SendState.PENDING)
    return event_id, guests


def test_events_list_shows_counts(app: Flask, user: FlaskClient) -> None:
    seed_event(app)
    make_event(app, "Empty event")
    page = text_of(user.get("/").get_data(as_text=True))
    assert "Nikah reception" in page and "Grand Hall" in page and "Empty event" in page
    assert page.index("Empty event") < page.index("Nikah reception")  # newest first
    # 6 guests, 2 confirmed, 0 maybe, 1 declined; 3 reached WhatsApp, 2 delivered, 1 failed.
    assert "6 ✓ 2 ? 0 ✗ 1" in page
    assert "3 sent · 2 delivered · 1 failed" in page


def test_events_list_pages(app: Flask, user: FlaskClient) -> None:
    for number in range(23):
        make_event(app, f"Event {number:02d}")
    first = user.get("/").get_data(as_text=True)
    assert "Event 22" in first and "Event 03" in first and "Event 02" not in first
    older = user.get(f"/?before={link_param(first, 'before')}").get_data(as_text=True)
    assert "Event 02" in older and "Event 00" in older and "Event 03" not in older
    assert "Newest events" in older


def test_new_event_form_creates_the_event(app: Flask, user: FlaskClient) -> None:
    response = user.post(
        "/events",
        data={
            "name": "  Mariage de Zoë  ",
            "starts_at": "2026-06-20T18:30",
            "venue": "Château",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(db.select(Event)).one()
        assert event.name == "Mariage de Zoë"
        assert event.venue == "Château"
        # 18:30 in Paris in June (UTC+2) is 16:30 UTC.
        assert event.starts_at == datetime(2026, 6, 20, 16, 30, tzinfo=UTC)
        assert event.time_zone == "Europe/Paris"
    assert response.headers["Location"] == f"/events/{event.id}"
    page = user.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mariage de Zoë" in page
    # Shown as guests read it: in the event's zone, with its name, not the reader's zone.
    assert "Sat, Jun 20, 2026, 6:30\u202fPM · France Time" in page


def test_new_event_time_zone_defaults_and_refuses_unknown_zones(
    app: Flask, user: FlaskClient
) -> None:
    user.post("/events", data={"name": "E", "starts_at": "2026-01-05T09:00", "time_zone": ""})
    for zone in ("Not/A_Zone", "../../etc/passwd"):
        response = user.post(
            "/events", data={"name": f"E{zone}", "starts_at": "2026-01-05T09:00", "time_zone": zone}
        )
        assert response.status_code == 400
        assert "Pick an IANA time zone" in response.get_data(as_text=True)
    with app.app_context():
        events = list(db.session.scalars(db.select(Event)))
    assert [(e.starts_at, e.time_zone) for e in events] == [
        (datetime(2026, 1, 5, 9, 0, tzinfo=UTC), "UTC")
    ]


def test_new_event_form_reports_errors(app: Flask, user: FlaskClient) -> None:
    for data, message in [
        ({"name": "   "}, "Name is empty."),
        ({}, "This field is required."),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"name": "Bad\x07bell"}, "Name contains control characters."),
        ({"name": "Ok", "starts_at": "tomorrow"}, "Not a valid datetime value."),
        ({"name": "Ok", "starts_at": "0001-01-01T00:00"}, "Pick a year between 1900 and 9998."),
    ]:
        response = user.post("/events", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalars(db.select(Event)).all() == []


def test_event_page_shows_charts_and_guests(app: Flask, user: FlaskClient) -> None:
    event_id, _ = seed_event(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    page = text_of(html)
    assert "Nikah reception" in page and "6 guests" in page
    # The RSVP donut: 2 of 6 confirmed is a third of the circle, drawn from 12 o'clock.
    assert 'class="donut-slice slice-confirmed"' in html
    assert 'stroke-dasharray="33.333 66.667" stroke-dashoffset="25.0"' in html
    assert "Confirmed 2 33%" in page and "Declined 1 17%" in page and "No answer 3 50%" in page
    # The funnel: 3 reached WhatsApp, 2 delivered, 1 read; 1 being sent, 1 not sent, 1 failed.
    assert "Sent to WhatsApp 3 (50%)" in page
    assert "Delivered 2 (33%)" in page
    assert "Read 1 (17%)" in page
    assert "Being sent 1 (17%)" in page and "Not sent 1 (17%)" in page and "Failed 1 (17%)" in page
    assert 'dir="auto" class="user-text" title="ليلى أحمد">ليلى أحمد</bdi></a></th>' in html
    assert "63024 not a WhatsApp user" in page
    # Send buttons only where a single send is possible: not invited (Noah) or failed (Grace).
    assert html.count("Send invitation<span") == 1
    assert html.count("Send again<span") == 1


def test_event_page_filters_guests(app: Flask, user: FlaskClient) -> None:
    event_id, _ = seed_event(app)

    def names(query: str) -> list[str]:
        html = user.get(f"/events/{event_id}?{query}").get_data(as_text=True)
        return re.findall(r'<th scope="row"><a [^>]*><bdi[^>]*>([^<]*)</bdi></a></th>', html)

    assert names("rsvp=confirmed") == ["Ada Lovelace", "ليلى أحمد"]
    assert names("rsvp=no_answer") == ["Grace Hopper", "Mei Chen", "Noah Müller"]
    assert names("delivery=stage-delivered") == ["Ada Lovelace", "ليلى أحمد"]
    assert names("delivery=read") == ["Ada Lovelace"]
    assert names("delivery=stage-failed") == ["Grace Hopper"]
    assert names("delivery=not_sent") == ["Noah Müller"]
    assert names("q=ليلى") == ["ليلى أحمد"]
    assert names("q=jos%C3%A9") == ["José Álvarez"]
    assert names("q=%2B34+612") == ["José Álvarez"]
    assert names("q=5550104") == ["Grace Hopper"]
    assert names("rsvp=confirmed&q=ada") == ["Ada Lovelace"]
    assert names("q=nobody") == []
    assert len(names("rsvp=bogus&delivery=bogus")) == 6  # unknown filters are ignored


def test_event_page_pages_through_guests(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [(f"Guest {n:03d}", f"+1202555{n:04d}") for n in range(120)])
    first = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Guest 000" in first and "Guest 049" in first and "Guest 050" not in first
    second = user.get(f"/events/{event_id}?after={link_param(first, 'after')}").get_data(
        as_text=True
    )
    assert "Guest 050" in second and "Guest 099" in second and "Guest 049" not in second
    last = user.get(f"/events/{event_id}?after={link_param(second, 'after')}")
    text = last.get_data(as_text=True)
    assert "Guest 119" in text and "Next page" not in text


def test_search_reaches_guests_far_down_the_list_and_pages(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [(f"Guest {n:04d}", f"+1202555{n:04d}") for n in range(1200)])
    first = user.get(f"/events/{event_id}?q=guest+1").get_data(as_text=True)
    assert first.count('<th scope="row"') == 50
    assert "Guest 1000" in first and "Guest 1049" in first and "Guest 0999" not in first
    cursor = link_param(first, "after")
    assert link_param(first, "q") == "guest+1"  # the next-page link keeps the search
    second = user.get(f"/events/{event_id}?q=guest+1&after={cursor}").get_data(as_text=True)
    assert "Guest 1050" in second and "Guest 1099" in second and "Guest 1049" not in second


def test_opted_out_guests_are_marked_and_not_offered_a_send(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [("Stopped", "+12025550111")])
    make_opt_out(app, "+12025550111")
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Opted out" in html
    assert "Send invitation<span" not in html


def test_unknown_event_is_a_404_page(user: FlaskClient) -> None:
    for path in (
        "/events/999",
        "/events/999/send",
        "/events/999/guests.csv",
        "/events/99999999999",
    ):
        response = user.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.content_type
        assert "Back to your events" in response.get_data(as_text=True)


def test_guest_language_is_shown_editable_and_the_invitation_reads_in_each(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app, "Gala", time_zone="Europe/Lisbon")
    (guest_id,) = make_guests(app, event_id, [("Omar", "+971501234569")])
    page = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<option value="ar" selected>' in page  # inferred from the UAE number
    assert 'lang="ar" dir="rtl"' in page and "يسعدنا دعوتك إلى Gala" in page
    assert "Hola Ana, estás invitado/a a Gala" in page
    response = user.post(f"/guests/{guest_id}/language", data={"language": "es"})
    assert response.status_code == 302
    with app.app_context():
        guest = db.session.get(Guest, guest_id)
        assert guest is not None and guest.language == "es"
    assert user.post(f"/guests/{guest_id}/language", data={"language": "xx"}).status_code == 400
    assert user.post("/guests/999999/language", data={"language": "es"}).status_code == 404
