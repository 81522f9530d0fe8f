"""Hostile names in a real browser: shown as written, but never lying on screen.

A bidi override, a name of zero-width spaces, 190 combining marks and a 200-character name
in the guest table and the inbox, at 1280 px and on a phone; screenshots go to
/tmp/dashboard-names-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from app import create_app
from tests.support.browser import shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.factories import make_event, make_guests, make_inbound
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

SPOOF = "Admin\u202egnp.exe"  # "Adminexe.png" when the override is obeyed
INVISIBLE = "\u200b\u200b"  # stored before the import refused it, or through the database
ZALGO = "Z" + "\u0351" * 190 + "algo"
LONG = ("Maximilian Alexander " * 10)[:200]
ARABIC = "مُحَمَّد عَبْدُ الرَّحْمٰن"
GUESTS = [
    ("Ada Lovelace", "+12025550101"),
    (SPOOF, "+12025550102"),
    (INVISIBLE, "+12025550103"),
    (ZALGO, "+12025550104"),
    (LONG, "+12025550105"),
    (ARABIC, "+971501234567"),
]
# The bounding boxes of the first and last characters of the text after a row's mark.
TEXT_AFTER_MARK = """cell => {
  const text = cell.querySelector('.text-mark').nextSibling;
  const range = document.createRange();
  const box = (i) => { range.setStart(text, i); range.setEnd(text, i + 1);
                       return range.getBoundingClientRect().x; };
  return [box(0), box(text.length - 1)];
}"""


def seed(app: Flask) -> tuple[int, int]:
    """An Arabic-named event with the hostile guests and a message; return its and a guest's id."""
    event_id = make_event(app, "حفل العشاء", venue="Dubai\u2067 Marina")
    ids = make_guests(app, event_id, GUESTS)
    make_inbound(
        app,
        from_phone="whatsapp:+12025550102",
        body="I will come\u202e with 3 friends " + ZALGO,
        guest_id=ids[1],
        event_id=event_id,
    )
    with app.app_context():
        dispose_engines()
    return event_id, ids[1]


def row(page: Page, phone: str) -> Locator:
    """The guest table's row of a phone number."""
    return page.locator("#guest-table tbody tr", has_text=phone)


def box(locator: Locator) -> dict[str, Any]:
    """An element's bounding box (it must be rendered)."""
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


def check_guest_table(page: Page) -> None:
    """Each hostile name as written, safely, and the table's rows and columns intact."""
    spoof = row(page, "+12025550102").locator("th")
    expect(spoof).to_have_text("AdminRLOgnp.exe")
    expect(spoof.locator(".text-mark")).to_be_visible()
    expect(spoof.locator(".text-mark")).to_have_attribute(
        "title",
        "U+202E RIGHT-TO-LEFT OVERRIDE: an invisible character that reorders the text after it",
    )
    first, last = spoof.evaluate(TEXT_AFTER_MARK)
    assert first < last, "the text after the override is drawn right to left"
    expect(row(page, "+12025550103").locator("th")).to_have_text("(invisible text)")
    normal = box(row(page, "+12025550101"))["height"]
    for phone in ("+12025550102", "+12025550103", "+12025550104", "+12025550105"):
        assert abs(box(row(page, phone))["height"] - normal) <= 1, phone
    zalgo = row(page, "+12025550104").locator("th bdi")
    assert zalgo.evaluate("node => node.textContent") == "Z" + "\u0351" * 4 + "algo"
    long = row(page, "+12025550105").locator("th bdi")
    expect(long).to_have_attribute("title", LONG)
    arabic = row(page, "+971501234567").locator("th bdi")
    assert arabic.evaluate("node => getComputedStyle(node).direction") == "rtl"


def check_columns_in_view(page: Page, width: int) -> None:
    """The long name's phone and answer cells end inside the window."""
    cells = row(page, "+12025550105").locator("td")
    for cell in (cells.nth(0), cells.nth(2)):  # phone, answer
        right = box(cell)["x"] + box(cell)["width"]
        assert right <= width, (width, right)


def test_hostile_names_are_shown_as_written_safely(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    event_id, _ = seed(create_app(migrated))
    page.goto(f"{stack.web_url}/events/{event_id}")
    sign_in(page)
    expect(page.locator("#guest-table tbody tr")).to_have_count(len(GUESTS))
    check_guest_table(page)
    check_columns_in_view(page, 1280)
    expect(page.locator(".page-head .muted .text-mark")).to_have_text("RLI")  # the venue
    shoot(page, "names-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    check_columns_in_view(page, 390)
    shoot(page, "names-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{stack.web_url}/inbox")
    message = page.locator("#messages li").first
    expect(message.locator(".message-meta strong")).to_have_text("AdminRLOgnp.exe")
    body = message.locator(".message-body")
    expect(body).to_have_text("I will comeRLO with 3 friends Z" + "\u0351" * 4 + "algo")
    assert box(body)["height"] < 40, "the marks draw over the next message"
    shoot(page, "names-inbox")

    # The import refuses a name with nothing visible in it, saying why.
    page.goto(f"{stack.web_url}/events/{event_id}")
    page.get_by_label("Or paste guests").fill(f"{INVISIBLE}, +1 202 555 0199\nBo, +1 202 555 0198")
    page.get_by_role("button", name="Preview", exact=True).click()
    refused = page.locator("#import-errors tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("name has no visible characters")
    expect(refused.locator(".text-mark")).to_have_text("(invisible text)")
    shoot(page, "names-import")
