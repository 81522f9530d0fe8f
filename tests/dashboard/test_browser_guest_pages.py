"""Guests' own pages in a real browser (Chromium), as a guest opens them on a phone: an
Arabic guest's page right to left with their pass (its image loads and holds their code),
a Spanish guest's without one; nothing wider than a 390 px window; "Add to calendar"
downloads an entry in the event's zone. Screenshots: /tmp/dashboard-guest-page-*.png.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from icalendar import Calendar
from PIL import Image
from playwright.sync_api import Browser, ViewportSize, expect

from app import create_app
from app.models import Rsvp
from tests.support.browser import shoot
from tests.support.database import dispose_engines, execute, scalar
from tests.support.factories import invite, make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

PHONE = ViewportSize(width=390, height=844)


def test_a_guest_opens_their_page_on_a_phone(
    stack: ServiceStack, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(
        app,
        "حفل زفاف ليلى",
        time_zone="Asia/Dubai",
        starts_at=datetime(2027, 3, 20, 15, 0, tzinfo=UTC),
        venue="قاعة الورود، دبي",
        passes=True,
    )
    laila, ana = make_guests(
        app, event_id, [("ليلى حداد", "+971501234560"), ("Ana Gómez", "+34612345670")]
    )
    invite(app, laila, rsvp=Rsvp.CONFIRMED)
    execute(app, "UPDATE guests SET party_size = 3, pass_code = 'K7QM2XDP' WHERE id = :g", g=laila)
    tokens = {
        guest: scalar(app, "SELECT page_token FROM guests WHERE id = :g", g=guest)
        for guest in (laila, ana)
    }
    with app.app_context():
        dispose_engines()
    context = browser.new_context(viewport=PHONE, locale="ar-AE", accept_downloads=True)
    page = context.new_page()

    page.goto(f"{stack.web_url}/e/{tokens[laila]}")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(page.locator("#answer")).to_have_text("نعم · عدد الحضور: 3 بما فيهم أنت")
    expect(page.locator("#when")).to_contain_text("2027")
    expect(page.locator("#pass-code")).to_have_text("K7QM-2XDP")
    image = page.locator(".pass img")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    png = page.request.get(str(image.evaluate("img => img.src"))).body()
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found.text == "K7QM-2XDP"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "guest-page-ar-phone")

    with page.expect_download() as download:
        page.locator("#calendar").click()
    entry = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")[0]
    start = entry["DTSTART"].dt
    assert (str(start.tzinfo), start.hour) == ("Asia/Dubai", 19)

    page.goto(f"{stack.web_url}/e/{tokens[ana]}")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    expect(page.locator("#answer")).to_have_text("Aún no: responde por WhatsApp")
    expect(page.locator(".pass")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "guest-page-es-phone")
    context.close()
