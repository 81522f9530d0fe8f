"""The door in a real browser (Chromium) on a phone: a door device scans a photo of a pass
(the camera's stand-in: the image goes to the same decoder) and lets a party of 3 in as 2 + 1;
a second device scanning the same pass is refused with the time of the first; the event page's
arrival count moves by itself. Nothing wider than the window. Screenshots:
/tmp/dashboard-door-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from app import create_app
from app.dashboard.door import door_time
from tests.support.browser import shoot, sign_in
from tests.support.database import dispose_engines, scalar
from tests.support.door import CODES, draw_pass, make_party
from tests.support.factories import make_event
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

PHONE = ViewportSize(width=390, height=844)
ZONE = "Europe/Madrid"
# The event page polls its arrivals every few seconds.
MOVES_WITHIN_MS = 15_000


def fits(page: Page) -> None:
    """Nothing on the page is wider than the phone's window."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@contextmanager
def door_device(browser: Browser, url: str) -> Iterator[Page]:
    """A phone of its own (a browser context: its own storage and device id) at the door,
    signed in; fails on any console error."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id=ZONE)
    device = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    device.on("console", on_console)
    device.on("pageerror", lambda error: errors.append(str(error)))
    device.goto(url)
    sign_in(device)
    expect(device.get_by_role("heading", level=1)).to_have_text("Door")
    yield device
    context.close()
    assert errors == [], f"browser console errors: {errors}"


def scan_photo(device: Page, image: Path) -> None:
    """Feed a photo of the pass to the page's decoder."""
    device.locator("input[data-photo]").set_input_files(str(image))


def test_a_party_comes_in_as_two_then_one_and_a_second_device_is_refused(
    stack: ServiceStack, page: Page, browser: Browser, migrated: dict[str, str], tmp_path: Path
) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "Summer gala", time_zone=ZONE)
    make_party(app, event_id, "Ana García", "+34612345678", party_size=3, code=CODES[0])
    make_party(app, event_id, "Bo", "+34612345679", party_size=1, code=CODES[1])
    image = draw_pass(CODES[0], tmp_path / "pass.png")

    page.set_viewport_size(PHONE)
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    arrivals = page.locator("#arrivals")
    expect(arrivals).to_have_text("Arrived: 0 of 4 people")
    fits(page)
    door_url = f"{stack.web_url}/events/{event_id}/door"

    with door_device(browser, door_url) as door:
        shoot(door, "door")
        scan_photo(door, image)
        party = door.locator(".door-party")
        expect(party.get_by_role("heading")).to_have_text("Ana García")
        expect(party.locator("[data-checked-in]")).to_have_text("0 of 3")
        expect(door.locator("#door-code")).to_have_value("K7QM-2XDP")
        shoot(door, "door-scanned")
        door.get_by_label("Or only some now").fill("2")
        door.get_by_role("button", name="Let in these").click()
        expect(door.locator("[data-door-message]")).to_have_text(
            "Let in 2 of Ana García's party: 2 of 3 in."
        )
        expect(party.locator("[data-checked-in]")).to_have_text("2 of 3")
        expect(arrivals.locator("[data-arrived]")).to_have_text("2", timeout=MOVES_WITHIN_MS)
        door.get_by_role("button", name="Let in the other 1").click()
        expect(party.locator("[data-checked-in]")).to_have_text("3 of 3")
        expect(party.locator("[data-refused]")).to_contain_text("Already in: everyone.")
        fits(door)
        shoot(door, "door-admitted")

    first_at = scalar(app, "SELECT min(scanned_at) FROM checkins")
    with app.app_context():
        dispose_engines()
    with door_device(browser, door_url) as second:
        scan_photo(second, image)
        refused = second.locator("[data-refused]")
        expect(refused).to_contain_text(f"first used at {door_time(first_at, ZONE)}")
        expect(second.get_by_role("button", name="Let in")).to_have_count(0)
        fits(second)
        shoot(second, "door-refused")

    expect(arrivals).to_have_text("Arrived: 3 of 4 people", timeout=MOVES_WITHIN_MS)
    fits(page)
    shoot(page, "door-event")
