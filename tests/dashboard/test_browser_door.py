"""The door in a real browser (Chromium) on a phone: a door device scans a photo of a pass
(the camera's stand-in: the image goes to the same decoder) and lets a party of 3 in as 2 + 1;
a second device scanning the same pass is refused with the time of the first; the event page's
arrival count moves by itself. A device without network keeps its check-ins and sends them
when the network is back, and the server settles them with what another device did meanwhile.
Nothing wider than the window. Screenshots: /tmp/dashboard-door-*.png.
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
from tests.support.database import dispose_engines, query, scalar
from tests.support.door import CODES, draw_pass, make_party
from tests.support.factories import make_event
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

PHONE = ViewportSize(width=390, height=844)
ZONE = "Europe/Madrid"
# The event page polls its arrivals every few seconds.
MOVES_WITHIN_MS = 15_000


def fits(page: Page) -> None:
    """Nothing on the page is wider than the phone's window (measured once the page has
    loaded: before its stylesheet applies, a page reached by a form is wider)."""
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDER_THAN_THE_WINDOW)


# The elements that reach past the window's right edge, named for a failure's account.
WIDER_THAN_THE_WINDOW = """
[...document.querySelectorAll("body *")]
  .filter((element) => element.checkVisibility({ visibilityProperty: true }))
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map((element) => {
    const right = Math.round(element.getBoundingClientRect().right);
    return `${element.tagName.toLowerCase()}.${element.className} to ${right}px`;
  })
"""


@contextmanager
def door_device(browser: Browser, url: str, tolerated: tuple[str, ...] = ()) -> Iterator[Page]:
    """A phone of its own (a browser context: its own storage and device id) at the door,
    signed in; fails on any console error but those containing a `tolerated` text."""
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
    # The scan buttons show once the script has wired them: a photo given before then
    # would be a change event nobody listens to.
    expect(device.get_by_role("button", name="Scan a photo")).to_be_visible()
    yield device
    context.close()
    errors = [error for error in errors if not any(text in error for text in tolerated)]
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


def test_a_device_without_network_keeps_its_check_ins_and_the_server_settles_them(
    stack: ServiceStack, browser: Browser, migrated: dict[str, str], tmp_path: Path
) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "Summer gala", time_zone=ZONE)
    # Passes of their own: the suite's stack keeps the other test's guests.
    ana = make_party(app, event_id, "Ana García", "+34612345680", party_size=3, code=CODES[2])
    bo = make_party(app, event_id, "Bo", "+34612345681", party_size=2, code=CODES[3])
    image = draw_pass(CODES[2], tmp_path / "pass.png")
    door_url = f"{stack.web_url}/events/{event_id}/door"

    # Fetches fail while the device has no network, and a kept check-in may be refused.
    tolerated = ("ERR_INTERNET_DISCONNECTED",)
    with (
        door_device(browser, door_url, tolerated) as offline,
        door_device(browser, door_url) as online,
    ):
        scan_photo(offline, image)
        expect(offline.locator(".door-party [data-checked-in]")).to_have_text("0 of 3")
        offline.context.set_offline(True)
        offline.get_by_role("button", name="Let in all 3").click()
        queue = offline.locator("[data-queue]")
        expect(queue).to_have_text("1 check-in is kept on this device, waiting for the network.")
        # A code typed without network cannot be looked up: the pass is let in blind.
        offline.get_by_label("Or type the code on the pass").fill("m5pq 6vya")
        offline.get_by_role("button", name="Find").click()
        expect(offline.get_by_role("heading", name="No network")).to_be_visible()
        offline.get_by_role("button", name="Let everyone on this pass in").click()
        expect(queue).to_have_text("2 check-ins are kept on this device, waiting for the network.")
        shoot(offline, "door-offline")
        fits(offline)

        # Meanwhile a device with network lets 2 of Ana's party in.
        scan_photo(online, image)
        online.get_by_label("Or only some now").fill("2")
        online.get_by_role("button", name="Let in these").click()
        expect(online.locator(".door-party [data-checked-in]")).to_have_text("2 of 3")

        offline.context.set_offline(False)
        message = offline.locator("[data-door-message]")
        expect(message).to_contain_text("Sent what was kept while offline", timeout=20_000)
        expect(queue).to_be_hidden()
        shoot(offline, "door-back-online")
        said = message.inner_text()
        assert "Let in 1 of Ana García's party: 3 of 3 in." in said, said
        assert "2 more came in on this pass than the party had left." in said, said
        assert "Let in 2 of Bo's party: 2 of 2 in." in said, said
        offline.reload()
        expect(offline.locator("[data-queue]")).to_be_hidden()
        fits(offline)

    people = {
        row.guest_id: row.people
        for row in query(
            app,
            "SELECT guest_id, sum(people) AS people FROM checkins WHERE event_id = :e GROUP BY 1",
            e=event_id,
        )
    }
    assert people == {ana: 3, bo: 2}  # the whole party once, whatever the devices did
