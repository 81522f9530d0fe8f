"""The dashboard in the organiser's language, in a real browser (Chromium) against gunicorn:
an Arabic browser gets every page of an event's journey right to left, in Arabic, with no
English in its headings, menus, buttons, labels and column names, and nothing wider than a
phone; the language menu moves a signed-in organiser to French for good. Screenshots:
/tmp/dashboard-languages-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from playwright.sync_api import Browser, Page, expect

from app import create_app
from tests.support.browser import PHONE, shoot
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.database import dispose_engines
from tests.support.factories import make_event, make_guests
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"

# What a reader sees as the page's own words (not the organiser's data).
INTERFACE = "h1, h2, h3, nav a, button, label, th, details:not(.account) > summary, .badge"
# Words that stay as they are in every language.
KEPT = re.compile(
    r"WhatsApp|Twilio|API|QR|CSV|XLSX|Excel|JSON|JPEG|PNG|UTC|HX\w*|SID"
    r"|English|Español|Português|Français"  # languages in their own names
    r"|\S+@\S+"  # a team member's email
)
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def translated(language: str, message: str) -> str:
    """A message as the committed catalogue says it in `language`."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        entry = read_mo(mo).get(message)
    assert entry is not None and entry.string, message
    return str(entry.string)


def english_left(page: Page) -> list[str]:
    """The interface's texts on the page that still hold an English word."""
    texts = page.locator(INTERFACE).all_inner_texts()
    return [text for text in texts if ENGLISH_WORD.search(KEPT.sub("", text))]


def sign_in_as(page: Page, language: str) -> None:
    """Sign in on the sign-in page as it reads in `language`."""
    page.get_by_label(translated(language, "Email")).fill(ADMIN_EMAIL)
    page.get_by_label(translated(language, "Password")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=translated(language, "Sign in")).click()


def test_an_arabic_browser_gets_the_journey_right_to_left_in_arabic(
    stack: ServiceStack, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(
        app,
        "زفاف ليلى وسامي",
        time_zone="Asia/Dubai",
        starts_at=datetime(2027, 3, 4, 16, 0, tzinfo=UTC),
        venue="قاعة الياسمين",
    )
    make_guests(app, event_id, [("ليلى حداد", "+971501234562"), ("سامي نور", "+971501234563")])
    with app.app_context():
        dispose_engines()
    context = browser.new_context(viewport=PHONE, locale="ar-AE", timezone_id="Asia/Dubai")
    page = context.new_page()
    try:
        page.goto(f"{stack.web_url}/login")
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
            "ar",
            "rtl",
        ]
        sign_in_as(page, "ar")
        expect(
            page.get_by_role("heading", name=translated("ar", "Events"), exact=True)
        ).to_be_visible()
        journey = {
            "events": "/",
            "event": f"/events/{event_id}",
            "edit": f"/events/{event_id}/edit",
            "questions": f"/events/{event_id}/questions",
            "send": f"/events/{event_id}/send",
            "messages": "/messages",
            "editor": "/messages/invitation/ar",
            "inbox": "/inbox",
            "team": "/team",
        }
        for name, path in journey.items():
            page.goto(f"{stack.web_url}{path}")
            assert page.evaluate("document.documentElement.dir") == "rtl", name
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            assert english_left(page) == [], name
            shoot(page, f"languages-ar-{name}-phone")
    finally:
        context.close()


def test_the_language_menu_moves_an_organiser_to_french_for_good(
    stack: ServiceStack, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    page = context.new_page()
    try:
        page.goto(f"{stack.web_url}/login")
        sign_in_as(page, "es")
        expect(page.get_by_role("link", name=translated("es", "Inbox"))).to_be_visible()
        page.locator(".language-menu summary").click()
        page.get_by_role("button", name="Français").click()
        expect(page.get_by_role("link", name=translated("fr", "Inbox"))).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "fr"
        shoot(page, "languages-fr-events")
    finally:
        context.close()
    # Another browser, still asking for Spanish: the organiser's choice wins.
    other = browser.new_context(locale="es-ES")
    page = other.new_page()
    try:
        page.goto(f"{stack.web_url}/login")
        sign_in_as(page, "es")
        expect(page.get_by_role("link", name=translated("fr", "Inbox"))).to_be_visible()
    finally:
        other.close()
