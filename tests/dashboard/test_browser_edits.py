"""Correcting a wedding's guest list and the wedding itself in a real browser (Chromium).

From the event's guest table: a guest's name, national number, language and columns
corrected; another's new number refused because the first has it; a third deleted after the
confirmation page; then the event's name, start, zone and venue corrected. At 1280 px and on
a phone; screenshots go to /tmp/dashboard-edits-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from app import create_app
from tests.support.browser import shoot, sign_in
from tests.support.database import dispose_engines, query
from tests.support.factories import make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

MADRID = ZoneInfo("Europe/Madrid")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def madrid_wedding(app: Flask) -> int:
    """A wedding in Madrid with three guests at their tables; return its id."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    event_id = make_event(
        app, "Boda", starts_at=starts, time_zone="Europe/Madrid", venue="Finca", country="ES"
    )
    make_guests(app, event_id, [("Ana", "+34612345678")], variables={"Mesa": "3"}, language="es")
    make_guests(app, event_id, [("Bo", "+34612345679")], variables={"Mesa": "4"}, language="es")
    make_guests(app, event_id, [("Cy", "+34612345670")], language="en")
    with app.app_context():
        dispose_engines()
    return event_id


def row(page: Page, text: str) -> Locator:
    """The guest table's row holding `text`."""
    return page.locator("#guest-table tbody tr", has_text=text)


def fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the window (no sideways scrolling)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (scroll, width)


def refuse_a_taken_number(browser: Browser, stack: ServiceStack, event_id: int) -> None:
    """Bo can't take Ana's number: the form says whose it is and keeps what was typed.

    In a page of its own: the refused form answers 409, which Chromium logs to the console
    as a failed load (the `page` fixture fails on any console error).
    """
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="Asia/Dubai")
    page = context.new_page()
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    row(page, "Bo").get_by_role("link", name="Edit Bo").click()
    page.get_by_label("Phone").fill("+34 611 22 33 44")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#phone-error")).to_contain_text(
        "+34611223344 is already the number of guest"
    )
    expect(page.locator("#phone-error")).to_contain_text("(Ana María)")
    expect(page.get_by_label("Phone")).to_have_value("+34 611 22 33 44")
    shoot(page, "edits-guest-refused")
    context.close()


def test_a_guest_is_edited_another_refused_one_deleted_and_the_event_edited(
    stack: ServiceStack, page: Page, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = madrid_wedding(app)
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    expect(page.locator("#guest-table tbody tr")).to_have_count(3)

    # Ana: a new name, her number written as the Spanish write it, Portuguese, her table.
    row(page, "Ana").get_by_role("link", name="Edit Ana").click()
    expect(page.get_by_role("heading", name="Edit Ana")).to_be_visible()
    expect(page.get_by_label("Mesa")).to_have_value("3")
    page.get_by_label("Name").fill("Ana María")
    page.get_by_label("Phone").fill("611 22 33 44")
    page.get_by_label("Language of their messages").select_option("pt")
    page.get_by_label("Mesa").fill("5")
    page.get_by_label("New column").fill("Menú")
    page.get_by_label("Its value").fill("vegano")
    shoot(page, "edits-guest")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    shoot(page, "edits-guest-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{stack.web_url}/events/{event_id}")
    expect(page.get_by_text("Ana María saved.")).to_be_visible()
    expect(row(page, "Ana María")).to_contain_text("+34611223344")
    stored = query(app, "SELECT language, variables FROM guests WHERE name = 'Ana María'")
    assert [(r.language, r.variables) for r in stored] == [("pt", {"Mesa": "5", "Menú": "vegano"})]

    refuse_a_taken_number(browser, stack, event_id)
    page.reload()
    expect(row(page, "Bo")).to_contain_text("+34612345679")

    # Cy is deleted, after the confirmation page (photographed on a phone).
    row(page, "Cy").get_by_role("link", name="Edit Cy").click()
    page.get_by_role("link", name="Delete the guest…").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Delete Cy\s*\?$"))).to_be_visible()
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    shoot(page, "edits-delete-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Delete Cy").click()
    expect(page.get_by_text("Cy deleted.")).to_be_visible()
    expect(page.locator("#guest-table tbody tr")).to_have_count(2)
    expect(page.locator(".page-head")).to_contain_text("2 guests")

    # The event: a new name, start, zone and venue, typed in the event's zone.
    page.get_by_role("link", name="Edit event").click()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Madrid")
    later = (datetime.now(MADRID) + timedelta(days=27)).replace(
        hour=20, minute=0, second=0, microsecond=0
    )
    page.get_by_label("Event name").fill("Boda de Ana")
    page.get_by_label("Date and time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Venue").fill("Palacio de Cibeles")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    shoot(page, "edits-event-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Boda de Ana")).to_be_visible()
    starts = page.locator(".page-head time")
    expect(starts).to_have_attribute("datetime", later.astimezone(UTC).isoformat())
    expect(starts).to_contain_text("8:00\u202fPM")
    expect(page.locator(".page-head")).to_contain_text("Palacio de Cibeles")
    shoot(page, "edits-event-after")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    shoot(page, "edits-event-after-phone")
