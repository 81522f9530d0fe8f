"""Heads in a real browser (Chromium): an Arabic wedding whose guests may bring two.

The answers card counts people beside guests, the guest table shows each party, a party is
corrected from the guest form and one too big refused beside its field, and the event's
plus-ones are edited, and a new event's form offers them; a capacity is set on a dinner whose
waitlist holds two parties, one offered a seat; at 1280 px and on a phone, nothing wider
than the window. Screenshots: /tmp/dashboard-parties-*.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from app import create_app
from app.models import MessageKind, Rsvp
from app.models.base import utcnow
from tests.support.browser import PHONE, on_a_phone, shoot, sign_in
from tests.support.database import dispose_engines, execute, query, scalar
from tests.support.factories import ago, invite, make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

GUESTS = [
    ("ليلى حداد", "+971501234560", 3, Rsvp.CONFIRMED),
    ("عمر الفاسي", "+971501234561", None, Rsvp.CONFIRMED),
    ("Ana Gómez", "+34612345670", 2, Rsvp.MAYBE),
    ("يوسف بن علي", "+971501234562", None, None),
    ("Bo", "+34612345671", None, Rsvp.DECLINED),
]


def wedding(app: Flask) -> int:
    """An Arabic wedding whose guests may bring two, with answers and parties; its id."""
    event_id = make_event(app, "حفل زفاف ليلى", time_zone="Asia/Dubai", plus_ones=2)
    for name, phone, party, answer in GUESTS:
        [guest] = make_guests(app, event_id, [(name, phone)], party_size=party)
        if answer is not None:
            invite(app, guest, rsvp=answer)
    with app.app_context():
        dispose_engines()
    return event_id


def row(page: Page, name: str) -> Locator:
    """The guest table's row of the guest called `name`."""
    return page.locator("#guest-table tbody tr", has_text=name)


def refuse_too_big_a_party(browser: Browser, stack: ServiceStack, event_id: int) -> None:
    """A party of 4 for a guest who may bring 2 is refused beside the field, as typed (in a
    page of its own: the 400 is a console error there)."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Asia/Dubai")
    page = context.new_page()
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    row(page, "يوسف بن علي").get_by_role("link", name="Edit").click()
    page.get_by_label("Party size").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#party_size-error")).to_have_text(
        "Too many: their invitation is for up to 3 people, them included."
        " Raise their plus-ones to allow more."
    )
    expect(page.get_by_label("Party size")).to_have_value("4")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "parties-refused-phone")
    context.close()


def test_heads_are_shown_and_a_party_corrected(
    stack: ServiceStack, page: Page, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = wedding(app)
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    expect(page.locator("[data-heads=confirmed]")).to_have_text("4 people2 guests")
    expect(page.locator("[data-heads=maybe]")).to_have_text("2 people1 guest")
    expect(row(page, "ليلى حداد").locator("td.party")).to_have_text("3 of 3")
    expect(row(page, "عمر الفاسي").locator("td.party")).to_have_text("1 of 3Not said yet")
    expect(row(page, "يوسف بن علي").locator("td.party")).to_have_text("Up to 3")
    shoot(page, "parties-event")
    on_a_phone(page, "parties-event")

    # Omar phoned: they are two.
    row(page, "عمر الفاسي").get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Plus-ones")).to_have_value("")
    page.get_by_label("Party size").fill("2")
    shoot(page, "parties-guest")
    on_a_phone(page, "parties-guest")
    page.get_by_role("button", name="Save").click()
    expect(row(page, "عمر الفاسي").locator("td.party")).to_have_text("2 of 3")
    expect(page.locator("[data-heads=confirmed]")).to_have_text("5 people2 guests")

    refuse_too_big_a_party(browser, stack, event_id)

    # Everyone may now bring three.
    page.get_by_role("link", name="Edit event").click()
    expect(page.get_by_label("Plus-ones per guest")).to_have_value("2")
    page.get_by_label("Plus-ones per guest").fill("3")
    on_a_phone(page, "parties-event-edit")
    page.get_by_role("button", name="Save").click()
    expect(row(page, "يوسف بن علي").locator("td.party")).to_have_text("Up to 4")
    assert scalar(app, "SELECT plus_ones FROM events WHERE id = :id", id=event_id) == 3

    # A new event's form offers the plus-ones, 0 unless changed.
    page.goto(f"{stack.web_url}/")
    expect(page.get_by_label("Plus-ones per guest")).to_have_value("0")
    shoot(page, "parties-new-event")


DINNER = [
    ("ليلى حداد", "+971501234570", 3, None),
    ("عمر الفاسي", "+971501234571", None, None),
    ("يوسف بن علي", "+971501234572", 2, ago(hours=3)),
    ("Ana Gómez", "+34612345680", None, ago(hours=1)),
]


def dinner(app: Flask) -> int:
    """An Arabic dinner (no capacity yet) with four yeses, the last two waitlisted, Youssef
    offered a seat for a day; its id."""
    event_id = make_event(app, "عشاء خيري", time_zone="Asia/Dubai", plus_ones=2)
    for name, phone, party, waiting in DINNER:
        [guest] = make_guests(
            app, event_id, [(name, phone)], party_size=party, waitlisted_at=waiting
        )
        invite(app, guest, rsvp=Rsvp.CONFIRMED)
        if name == "يوسف بن علي":
            message = invite(app, guest, kind=MessageKind.OFFER)
            execute(
                app,
                "INSERT INTO offers (event_id, guest_id, invitation_id, party, hold_until)"
                " VALUES (:event_id, :guest_id, :message, 2, :until)",
                event_id=event_id,
                guest_id=guest,
                message=message,
                until=utcnow() + timedelta(days=1),
            )
    with app.app_context():
        dispose_engines()
    return event_id


def test_a_capacity_is_set_and_the_waitlist_shown(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = dinner(app)
    page.goto(f"{stack.web_url}/events/{event_id}/edit")
    sign_in(page)
    expect(page.get_by_label("Capacity (people)")).to_have_value("")
    expect(page.get_by_label("Offer hold (hours)")).to_have_value("24")
    page.get_by_label("Capacity (people)").fill("4")
    page.get_by_label("Offer hold (hours)").fill("1.5")
    on_a_phone(page, "parties-capacity-edit")
    page.get_by_role("button", name="Save").click()
    stored = query(app, "SELECT capacity, offer_hours FROM events WHERE id = :id", id=event_id)
    assert (stored[0].capacity, float(stored[0].offer_hours)) == (4, 1.5)

    expect(page.locator("[data-heads=confirmed]")).to_have_text("4 people2 guests · of 4 seats")
    expect(page.locator("[data-heads=waitlisted]")).to_have_text("3 people2 guests")
    youssef = row(page, "يوسف بن علي").locator("td[data-label=Answer]")
    expect(youssef).to_contain_text("Waitlist #1")
    expect(youssef).to_contain_text("Offered a seat until")
    expect(youssef).to_contain_text("United Arab Emirates Time")
    expect(row(page, "Ana Gómez").locator("td[data-label=Answer]")).to_have_text("Waitlist #2")
    shoot(page, "parties-waitlist")
    on_a_phone(page, "parties-waitlist")

    page.get_by_label("Answer", exact=True).select_option("Waitlisted")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#guest-table tbody tr")).to_have_count(2)

    row(page, "يوسف بن علي").get_by_role("link", name="يوسف بن علي", exact=True).click()
    expect(page.locator("#thread")).to_contain_text("Seat offer")
    on_a_phone(page, "parties-offer-thread")
