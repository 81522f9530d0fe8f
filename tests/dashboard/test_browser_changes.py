"""Telling the guests of a moved wedding, in a real browser (Chromium): the edit leads to the
page that says what the update sends (each language as guests read it, Arabic right to left)
and to how many, counted again as the organiser ticks who else hears; sent once; then the
cancel page. At 1280 px and on a phone; screenshots go to /tmp/dashboard-changes-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app import create_app
from tests.support.browser import on_a_phone, sign_in
from tests.support.database import dispose_engines, execute, scalar
from tests.support.factories import invite, make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

MADRID = ZoneInfo("Europe/Madrid")


def test_a_moved_wedding_is_told_once_after_seeing_what_goes_and_to_how_many(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    event_id = make_event(app, "Boda", starts_at=starts, time_zone="Europe/Madrid", venue="Finca")
    guests = make_guests(
        app,
        event_id,
        [("Ana", "+34612345678"), ("Bo", "+34612345679"), ("ليلى", "+971501234567")],
    )
    for guest_id, rsvp in zip(guests, ("confirmed", "confirmed", "maybe"), strict=True):
        invite(app, guest_id, rsvp=rsvp)
    with app.app_context():
        dispose_engines()

    page.goto(f"{stack.web_url}/events/{event_id}/edit")
    sign_in(page)
    later = (starts + timedelta(hours=2)).astimezone(MADRID)
    page.get_by_label("Date and time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{stack.web_url}/events/{event_id}/notify")
    expect(page.get_by_role("heading", name="Tell the guests of the change?")).to_be_visible()
    expect(page.locator("#count-confirmed")).to_have_text("2")
    send = page.locator("#send-update")
    expect(send).to_have_text("Send the update to 2 guests")
    page.get_by_label("Also the guests who said maybe (1)").check()  # counted again
    expect(send).to_have_text("Send the update to 3 guests")
    arabic = page.locator("details[data-language='ar']")
    arabic.locator("summary").click()
    words = arabic.locator("blockquote")
    expect(words).to_have_attribute("dir", "rtl")
    expect(words).to_contain_text("تغيّر Boda")
    on_a_phone(page, "changes-notify")

    send.click()
    expect(page.get_by_text("Telling 3 guests of the change.")).to_be_visible()
    page.goto(f"{stack.web_url}/events/{event_id}/notify")
    expect(page.locator("#already-told")).to_contain_text("already told of this change")
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'update'") == 3

    page.goto(f"{stack.web_url}/events/{event_id}/edit")
    page.get_by_role("link", name="Cancel the event…").click()
    expect(page.locator("#cancel-recipients")).to_have_text("3")
    on_a_phone(page, "changes-cancel")
    page.get_by_role("button", name="Cancel the event").click()
    expect(page.locator("#canceled")).to_contain_text("nothing more is sent")
    on_a_phone(page, "changes-canceled")


def test_after_the_night_the_thank_you_and_missed_you_are_offered_on_a_phone(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    event_id = make_event(app, "Fiesta", starts_at=starts, time_zone="Europe/Madrid")
    came, missed = make_guests(app, event_id, [("Ana", "+34612345678"), ("Bo", "+34612345679")])
    for guest_id in (came, missed):
        invite(app, guest_id, rsvp="confirmed")
    execute(
        app,
        "INSERT INTO checkins (event_id, guest_id, people, scanned_at) VALUES (:e, :g, 1, now())",
        e=event_id,
        g=came,
    )
    with app.app_context():
        dispose_engines()

    page.goto(f"{stack.web_url}/events/{event_id}#schedule")
    sign_in(page)
    expect(page.locator("[data-after-count='thanks']")).to_have_text("1")
    expect(page.locator("[data-after-count='missed']")).to_have_text("1")
    on_a_phone(page, "changes-after-event")
    page.get_by_role("button", name="Send the thank-you").click()
    expect(page.get_by_text("Thank-you sending now to 1 guest.")).to_be_visible()
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'thanks'") == 1
