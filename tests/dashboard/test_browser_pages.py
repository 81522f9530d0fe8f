"""Pages that tell the truth, in a real browser (Debian's Chromium) against the whole service.

A Madrid wedding's invitations scheduled from the pre-flight (its button says "Schedule" as
soon as a time is typed): the open campaign page turns into the running one when the worker
starts it, says when its first message went, then turns into the completed one, all without
a reload, every date in the event's zone and in English; the export then holds the answers'
times in Madrid time. The event page's number boxes and checkbox and the inbox's answer
buttons are photographed at 1280 px and on a phone: /tmp/dashboard-truth-*.png.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app import create_app
from app.extensions import db
from tests.support.browser import shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.factories import invite, make_event, make_guests, make_inbound
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

MADRID = ZoneInfo("Europe/Madrid")
# At the stack's 1.5 messages/s, 15 guests keep the campaign running for about ten seconds.
GUESTS = [(f"Invitado {n}", f"+346{n:02d}123456") for n in range(10, 25)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def madrid_wedding(app: Flask) -> int:
    """The event and its guests, none invited; return the event's id."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    event_id = make_event(app, "Boda de Lucía", starts_at=starts, time_zone="Europe/Madrid")
    make_guests(app, event_id, GUESTS)
    with app.app_context():
        dispose_engines()
    return event_id


def start_now(app: Flask, campaign_id: int) -> None:
    """Move the scheduled campaign's time to now (time passing): the worker's sweep starts it."""
    with app.app_context():
        db.session.execute(
            db.text("UPDATE campaigns SET send_at = now() WHERE id = :id"), {"id": campaign_id}
        )
        db.session.commit()
        dispose_engines()


def test_a_scheduled_campaign_page_turns_running_then_completed(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = madrid_wedding(app)
    page.goto(f"{stack.web_url}/events/{event_id}/send")
    sign_in(page)

    # The button says what it will do, as the field changes.
    send_at = page.get_by_label("Send at (optional, in the event's zone)")
    expect(page.get_by_role("button", name="Send 15 invitations")).to_be_visible()
    soon = datetime.now(MADRID) + timedelta(minutes=2)
    send_at.fill(soon.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_role("button", name="Schedule 15 invitations")).to_be_visible()
    send_at.fill("")
    expect(page.get_by_role("button", name="Send 15 invitations")).to_be_visible()
    send_at.fill(soon.strftime("%Y-%m-%dT%H:%M"))
    shoot(page, "truth-preflight-schedule")
    page.get_by_role("button", name="Schedule 15 invitations").click()

    badge = page.locator("[data-field=state-badge]")
    expect(badge).to_have_text("Scheduled")
    expect(page.get_by_text("Nothing has been sent yet.")).to_be_visible()
    times = page.locator("[data-field=times]")
    expect(times).to_contain_text("Scheduled on ")
    expect(times).to_contain_text("Spain (Madrid) Time")
    campaign_id = int(page.url.rsplit("/", 1)[1])
    page.evaluate("window.__sameDocument = true")
    shoot(page, "truth-scheduled")

    start_now(app, campaign_id)
    expect(badge).to_have_text("Running", timeout=20_000)
    expect(page.locator("#scheduled")).to_have_count(0)
    expect(page.locator("[role=progressbar]")).to_be_visible()
    # "Started" is when the first message was claimed, in Madrid, in the dashboard's English.
    expect(times).to_contain_text("Started ", timeout=10_000)
    today = datetime.now(MADRID)
    expect(times).to_contain_text(f"{today:%b} {today.day}, {today.year}")
    expect(times).to_contain_text("Spain (Madrid) Time")
    shoot(page, "truth-running")

    expect(badge).to_have_text("Completed", timeout=60_000)
    expect(page.locator("[data-count=accepted]")).to_have_text("15")
    expect(times).to_contain_text(" · finished ")
    assert times.inner_text().count("Spain (Madrid) Time") == 2
    expect(page.locator("form[data-action=cancel]")).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    shoot(page, "truth-completed")
    page.set_viewport_size(PHONE)
    shoot(page, "truth-completed-phone")
    page.set_viewport_size(DESKTOP)

    # The guests' answers come back; the export has their times in Madrid time.
    page.get_by_role("link", name="Boda de Lucía").click()
    answered: list[datetime] = []
    for _ in range(60):
        with page.expect_download() as download:
            page.get_by_role("link", name="Export Excel").click()
        path = download.value.path()
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        assert sheet is not None
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        column = rows[0].index("RSVP at (Europe/Madrid)")
        answered = [row[column] for row in rows[1:] if row[column] is not None]
        if len(answered) == len(GUESTS):
            break
        page.wait_for_timeout(1000)
    assert len(answered) == len(GUESTS), answered
    assert all(isinstance(value, datetime) for value in answered)
    # Local wall-clock times of Madrid: within a few minutes of now there.
    now = datetime.now(MADRID).replace(tzinfo=None)
    assert all(abs(now - value) < timedelta(minutes=10) for value in answered), (now, answered)


def test_the_forms_and_buttons_look_finished(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "Cena de gala", time_zone="Europe/Madrid")
    (guest_id,) = make_guests(app, event_id, [("Lucía Gómez", "+34612345670")])
    invite(app, guest_id)
    make_inbound(
        app,
        from_phone="whatsapp:+34612345670",
        body="¿Hay aparcamiento?",
        guest_id=guest_id,
        event_id=event_id,
    )
    with app.app_context():
        dispose_engines()
    page.goto(f"{stack.web_url}/events/{event_id}#schedule")
    sign_in(page)

    hours = page.get_by_label("Hours before the start")
    days = page.get_by_label("Days after delivery")
    expect(hours).to_have_value("24")
    expect(days).to_have_value("3")
    for box in (hours, days):
        style = box.evaluate(
            "node => [node.type, getComputedStyle(node).borderRadius, node.offsetHeight]"
        )
        assert style[0] == "number" and style[1] == "8px" and style[2] >= 36, style
    maybe = page.get_by_label("Include guests who answered maybe")
    label = page.get_by_text("Include guests who answered maybe")
    box, text = maybe.bounding_box(), label.bounding_box()
    assert box is not None and text is not None
    # Beside its label, on the same line.
    assert box["x"] + box["width"] <= text["x"] and abs(box["y"] - text["y"]) < text["height"]
    page.locator("#schedule").scroll_into_view_if_needed()
    shoot(page, "truth-event-forms")
    page.set_viewport_size(PHONE)
    shoot(page, "truth-event-forms-phone")
    page.set_viewport_size(DESKTOP)

    page.goto(f"{stack.web_url}/inbox?kind=needs")
    message = page.locator("#messages li", has_text="¿Hay aparcamiento?")
    for name in ("Yes", "No", "Maybe"):
        button = message.get_by_role("button", name=name, exact=True)
        radius, padding = button.evaluate(
            "node => [getComputedStyle(node).borderRadius, getComputedStyle(node).paddingLeft]"
        )
        assert radius == "8px" and padding != "6px", (name, radius, padding)  # not the default
    shoot(page, "truth-inbox-buttons")
    page.set_viewport_size(PHONE)
    shoot(page, "truth-inbox-buttons-phone")
