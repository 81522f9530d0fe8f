"""The Messages page in a real browser (Chromium), against gunicorn, the worker and the emulator:
the organiser writes a Spanish and an Arabic invitation with the variable chips and a header
image, previews them as WhatsApp bubbles, submits them, sees each pending then approved
(the emulator's review takes 3 s), sends the event's campaign, and the emulator's messages
hold each guest's rendered text and the image. The Arabic editor is right to left; on a
phone nothing is wider than the window. The pre-flight says each language gets its approved
invitation. Screenshots: /tmp/dashboard-messages-*.png.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from app import create_app
from tests.support.browser import on_a_phone, shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.emulator import Emulator
from tests.support.factories import make_event, make_guests
from tests.support.polling import eventually
from tests.support.stack import ServiceStack

pytestmark = pytest.mark.slow

GUESTS = [("Lucía Gómez", "+34612345601"), ("ليلى حداد", "+971501234562")]
# What the organiser types between the chips (chip, then the words that follow it).
SPANISH = [
    ("Hola ", "guest"),
    (", te invitamos a ", "event"),
    (" el ", "when"),
    (" en ", "venue"),
    (". ¿Vendrás? Tu invitación: ", "page_url"),
    (" ¡Te esperamos!", None),
]
ARABIC = [
    ("مرحبًا ", "guest"),
    ("، يسعدنا دعوتك إلى ", "event"),
    (" يوم ", "when"),
    (" في ", "venue"),
    ("، هل ستحضر؟ دعوتك هنا: ", "page_url"),
    (" ننتظرك بكل سرور", None),
]
CHIP_NAMES = {
    "guest": "Guest name",
    "event": "Event",
    "when": "Date and time",
    "venue": "Venue",
    "page_url": "Guest page link",
}


def card() -> bytes:
    """An invitation card: a PNG of 800x418 (WhatsApp's header ratio)."""
    image = Image.new("RGB", (800, 418), "#0b7a5f")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 378), outline="white", width=6)
    draw.ellipse((340, 150, 460, 270), fill="#f4d35e")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write(page: Page, parts: list[tuple[str, str | None]]) -> None:
    """Type the text, putting each variable in with its chip."""
    body = page.locator("textarea[name=body]")
    body.fill("")
    body.focus()
    for words, chip in parts:
        page.keyboard.type(words)
        if chip:
            page.get_by_role("button", name=CHIP_NAMES[chip], exact=True).click()


def statuses_until_approved(page: Page) -> list[str]:
    """Reload the editor until WhatsApp's answer shows; return every status seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        status = page.locator(".template-status [data-status]").get_attribute("data-status")
        if not seen or seen[-1] != status:
            seen.append(str(status))
        if status in ("approved", "rejected", "failed"):
            break
        page.wait_for_timeout(400)
        page.reload()
    return seen


def submit_invitation(page: Page, language: str, parts: list[tuple[str, str | None]]) -> None:
    """Write the invitation of `language` with the card, check its bubble, and submit it."""
    page.goto(page.url.split("/messages")[0] + f"/messages/invitation/{language}")
    write(page, parts)
    page.set_input_files(
        "input[name=image]", files=[{"name": "card.png", "mimeType": "image/png", "buffer": card()}]
    )
    bubble = page.locator(".wa-bubble")
    expect(bubble.locator(".wa-header")).to_be_visible()
    assert bubble.locator(".wa-header").evaluate("img => img.naturalWidth") == 800
    expect(bubble.locator(".wa-buttons li:visible")).to_have_count(3)
    shoot(page, f"messages-{language}-written")
    page.get_by_role("button", name="Submit to WhatsApp").click()
    expect(page.locator(".flash")).to_contain_text("submitted to WhatsApp")


def test_invitations_written_submitted_approved_and_sent(
    stack: ServiceStack, page: Page, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    event_id = make_event(
        app,
        "la boda de Ana",
        time_zone="Europe/Madrid",
        starts_at=datetime(2027, 6, 12, 17, 30, tzinfo=UTC),
        venue="Finca El Olivar",
    )
    make_guests(app, event_id, GUESTS)
    with app.app_context():
        dispose_engines()

    page.goto(f"{stack.web_url}/messages")
    sign_in(page)
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    submit_invitation(page, "es", SPANISH)
    bubble = page.locator(".wa-bubble")
    expect(bubble.locator("[data-preview]")).to_have_text(
        "Hola {guest}, te invitamos a {event} el {when} en {venue}. ¿Vendrás? Tu invitación:"
        " {page_url} ¡Te esperamos!".replace("{guest}", "Lucía")
        .replace("{event}", "la fiesta de verano")
        .replace("{when}", "sáb, 5 jun 2027, 19:30")
        .replace("{venue}", "el Ayuntamiento")
        .replace("{page_url}", "https://invites.example.com/e/sample")
    )
    spanish = statuses_until_approved(page)
    assert "pending" in spanish and spanish[-1] == "approved", spanish
    shoot(page, "messages-es-approved")

    submit_invitation(page, "ar", ARABIC)
    assert page.evaluate("document.querySelector('textarea[name=body]').dir") == "rtl"
    assert page.locator(".wa-bubble").get_attribute("dir") == "rtl"
    arabic = statuses_until_approved(page)
    assert "pending" in arabic and arabic[-1] == "approved", arabic
    shoot(page, "messages-ar-approved")
    on_a_phone(page, "messages-ar")
    page.goto(f"{stack.web_url}/messages")
    expect(page.locator("tr[data-kind=invitation][data-language=es] [data-status]")).to_have_text(
        "Approved"
    )
    on_a_phone(page, "messages-list")

    page.goto(f"{stack.web_url}/events/{event_id}")
    page.get_by_role("link", name="Send invitations…").click()
    # The pre-flight says what each language's guests get, in the organiser's words.
    reach = page.locator("#reach")
    expect(reach.locator("[data-language=es]")).to_have_text(
        "1 guest gets the approved Spanish invitation."
    )
    expect(reach.locator("[data-language=ar]")).to_have_text(
        "1 guest gets the approved Arabic invitation."
    )
    shoot(page, "messages-preflight")
    on_a_phone(page, "messages-preflight")
    page.get_by_role("button", name="Send 2 invitations").click()
    expect(page.locator("[data-field=state-badge]")).to_have_text("Completed", timeout=30_000)

    emulator = Emulator(stack.emulator_url)
    assert eventually(lambda: len(sent(emulator)) == 2, 20)
    by_guest = {message["to"]: message for message in sent(emulator)}
    lucia, laila = by_guest["whatsapp:+34612345601"], by_guest["whatsapp:+971501234562"]
    assert lucia["body"].startswith("Hola Lucía Gómez, te invitamos a la boda de Ana el ")
    assert "en Finca El Olivar. ¿Vendrás? Tu invitación: " + stack.web_url + "/e/" in lucia["body"]
    assert "2027" in lucia["body"] and "19:30" in lucia["body"]  # 17:30 UTC in Madrid
    assert laila["body"].startswith("مرحبًا ليلى حداد، يسعدنا دعوتك إلى la boda de Ana يوم ")
    for message in (lucia, laila):
        [url] = message["media_urls"]
        assert url.startswith(f"{stack.web_url}/media/")
        assert requests.get(url, timeout=10).content == card()
    assert lucia["media_urls"] != laila["media_urls"]  # each language its own upload
    assert lucia["content_sid"] != laila["content_sid"]


def sent(emulator: Emulator) -> list[dict[str, Any]]:
    """The invitations the API created (not the TwiML answers to guests' replies)."""
    return [m for m in emulator.messages() if m["direction"] == "outbound-api"]
