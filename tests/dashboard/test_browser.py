"""The dashboard in a real browser (Debian's Chromium) against gunicorn, a worker and the emulator.

One organiser's journey: sign in, create an event, paste guests, send the invitations,
watch the progress bar move without reloading, then see deliveries, answers, the inbox
and the workers. Screenshots go to /tmp/dashboard-*.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    expect,
)

from app import create_app
from app.extensions import db
from app.models import Invitation, Rsvp
from tests.support.browser import SCREENSHOTS, shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.factories import invite, make_event, make_guests, make_inbound
from tests.support.stack import ServiceStack
from tests.support.workbooks import xlsx

pytestmark = pytest.mark.slow

GUESTS = [
    ("Ada Lovelace", "+1 202 555 0101"),
    ("ليلى أحمد", "+971 50 123 4567"),
    ("José Álvarez", "+34 612 345 678"),
    ("Grace Hopper", "+1 202 555 0104"),
    ("Zoë Ørsted", "+45 32 12 34 56"),
    ("Mei Chen", "+1 202 555 0106"),
    ("Amara Okafor", "+234 802 123 4567"),
    ("Noah Müller", "+49 1512 3456789"),
    ("Priya Raman", "+1 202 555 0109"),
    ("Omar Haddad", "+962 7 9012 3456"),
]


def nav(page: Page, name: str) -> Locator:
    """A link of the main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def watch_progress(page: Page, total: int, timeout: float = 90.0) -> list[int]:
    """Sample the progress bar's value until it is full; return the distinct values seen.

    The first value strictly between empty and full is photographed.
    """
    bar = page.locator("[role=progressbar]")
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = int(bar.get_attribute("aria-valuenow") or 0)
        if not seen or seen[-1] != value:
            seen.append(value)
            if 0 < value < total and len([v for v in seen if 0 < v < total]) == 1:
                page.screenshot(path=str(SCREENSHOTS / "dashboard-campaign-running.png"))
        if value >= total:
            return seen
        page.wait_for_timeout(250)
    raise AssertionError(f"the progress bar stopped at {seen}")


def test_organiser_journey(stack: ServiceStack, page: Page) -> None:
    page.goto(f"{stack.web_url}/inbox")
    expect(page).to_have_url(f"{stack.web_url}/login?next=/inbox")
    sign_in(page, password="not the password")
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password.")
    shoot(page, "login")
    sign_in(page)
    expect(page).to_have_url(f"{stack.web_url}/inbox")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()

    # A new event, then its guests pasted from a spreadsheet (one line is wrong).
    nav(page, "Events").click()
    page.get_by_label("Event name").fill("Launch party")
    page.get_by_label("Date and time").fill("2026-12-12T19:00")
    page.get_by_label("Venue").fill("Rooftop, 5th floor")
    expect(page.get_by_text("Time zone: Asia/Dubai")).to_be_visible()
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Launch party")).to_be_visible()
    starts = page.locator(".page-head time")
    expect(starts).to_have_attribute("datetime", "2026-12-12T15:00:00+00:00")  # 19:00 in Dubai
    # Shown in the event's own zone (proposed from the browser's), with its name.
    expect(page.get_by_label("Time zone", exact=True)).to_have_count(0)  # the form is gone
    expect(starts).to_contain_text("7:00\u202fPM · United Arab Emirates Time")
    lines = [f"{name}\t{phone}" for name, phone in GUESTS] + ["Nobody\t12"]
    page.get_by_label("Or paste guests").fill("\n".join(lines))
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#import-sample tbody tr")).to_have_count(10)
    page.get_by_role("button", name="Import 10 guests").click()
    expect(page.locator("[data-stat=imported]")).to_have_text("10")
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.locator("#import-errors tbody td").first).to_have_text("11")
    expect(page.get_by_label("Or paste guests")).to_have_value("Nobody,12")  # only what failed
    page.get_by_role("link", name="See the guests").click()
    table = page.locator("#guest-table tbody tr")
    expect(table).to_have_count(len(GUESTS))
    expect(page.locator("#guest-table")).to_contain_text("ليلى أحمد")
    shoot(page, "event-before")

    # The pre-flight, then the send; the progress bar moves while the page stays loaded.
    page.get_by_role("link", name="Send invitations…").click()
    expect(page.locator("[data-stat=recipients]")).to_have_text("10")
    expect(page.locator("[data-stat=fits-queue]")).to_have_text("Yes")
    expect(page.locator("#preflight-assumption")).to_contain_text("messages/s")
    shoot(page, "preflight")
    page.get_by_role("button", name="Send 10 invitations").click()
    expect(page.get_by_role("heading", name="Campaign #1")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    seen = watch_progress(page, total=len(GUESTS))
    assert any(0 < value < len(GUESTS) for value in seen), seen
    assert seen == sorted(seen), seen
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    expect(page.locator("[data-field=state-badge]")).to_have_text("Completed", timeout=20_000)
    expect(page.locator("[data-count=accepted]")).to_have_text("10")
    expect(page.locator("form[data-action=pause]")).to_be_hidden()
    shoot(page, "campaign")

    # Deliveries and answers come back through the webhooks; the charts show them.
    page.get_by_role("link", name="Launch party").click()
    read = page.locator(".bar-row", has_text="Read").locator(".bar-value")
    no_answer = page.locator(".legend li", has_text="No answer").locator("strong")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        read.inner_text().startswith("10 ") and no_answer.inner_text() == "0"
    ):
        page.wait_for_timeout(1000)
        page.reload()
    expect(read).to_contain_text("10 (100%)")
    expect(no_answer).to_have_text("0")
    shoot(page, "event-after")

    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "event-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    nav(page, "Events").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("10 sent · 10 delivered")
    shoot(page, "events")

    nav(page, "Inbox").click()
    expect(page.locator("#messages li")).to_have_count(len(GUESTS))
    expect(page.locator("#messages")).to_contain_text("ليلى أحمد")
    shoot(page, "inbox")

    nav(page, "System").click()
    expect(page.locator("[data-stat=live-workers]")).to_have_text("1")
    expect(page.locator("#workers tbody tr")).to_have_count(1)
    shoot(page, "system")
    fits = (
        "() => [...document.querySelectorAll('.table-wrap')]"
        ".every(w => w.scrollWidth <= w.clientWidth)"
    )
    assert page.evaluate(fits), "a /system table is cut at 1280 px"
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(fits), "a /system table is cut on a phone"
    shoot(page, "system-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(".account summary").click()  # the account menu, under the email
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{stack.web_url}/system")
    expect(page).to_have_url(f"{stack.web_url}/login?next=/system")


def test_forms_work_without_javascript(stack: ServiceStack, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{stack.web_url}/")
        sign_in(page)
        page.get_by_label("Event name").fill("No-script dinner")
        page.get_by_role("button", name="Create event").click()
        guests = [f"Guest {n}, +1 202 555 {n:04d}" for n in range(110, 150)]
        page.get_by_label("Or paste guests").fill("\n".join(guests))
        page.get_by_role("button", name="Import without preview").click()
        expect(page.locator("[data-stat=imported]")).to_have_text("40")
        page.get_by_role("link", name="See the guests").click()
        page.get_by_role("link", name="Send invitations…").click()
        page.get_by_role("button", name="Send 40 invitations").click()
        expect(page.locator("[data-field=state-badge]")).to_have_text("Running")
        # At 1.5 messages/s the campaign is still running: the controls are plain forms.
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_text("Campaign paused.")).to_be_visible()
        expect(page.locator("[data-field=state-badge]")).to_have_text("Paused")
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("[data-field=state-badge]")).to_have_text("Running")
        page.get_by_role("button", name="Cancel campaign").click()
        expect(page.locator("[data-field=state-badge]")).to_have_text("Canceled")
        expect(page.get_by_text("invitations will not be sent")).to_be_visible()
        sent = int(page.locator("[data-count=accepted]").inner_text())
        canceled = int(page.locator("[data-count=canceled]").inner_text())
        assert canceled > 0 and sent + canceled <= 40
        page.locator(".account summary").click()
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        context.close()


def preview_file(page: Page, path: Path) -> None:
    """Choose a file in the import form and ask for its preview."""
    page.get_by_label("CSV or Excel file").set_input_files(str(path))
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", name="Preview the import")).to_be_visible()


def test_import_previews_of_real_files(stack: ServiceStack, page: Page, tmp_path: Path) -> None:
    workbook = tmp_path / "guests.xlsx"
    workbook.write_bytes(
        xlsx(
            [
                ["الاسم", "الجوال", "Table"],
                ["أحمد علي", "00971 50 123 4569", 3],
                ["Ana Sousa", "+351 912 345 678", 4],
                ["بلا رقم", "12", 5],
            ]
        )
    )
    arabic = tmp_path / "arabic.csv"  # Excel's "CSV" on an Arabic Windows
    arabic.write_bytes("اسم,هاتف العمل,الجوال\nليلى حسن,+966 50 123 4567,\n".encode("cp1256"))
    garbled = tmp_path / "garbled.csv"  # names another tool had read as cp1252
    garbled.write_text("name,phone\nØ£Ø\xadÙ…Ø¯ Ø¹Ù„ÙŠ,+971 50 765 4321\n", encoding="utf-8")

    page.goto(f"{stack.web_url}/")
    sign_in(page)
    page.get_by_label("Event name").fill("Gulf dinner")
    page.get_by_role("button", name="Create event").click()

    preview_file(page, workbook)
    expect(page.locator("#import-source")).to_contain_text("Excel .xlsx")
    expect(page.get_by_label("Name column")).to_have_value("الاسم")
    expect(page.get_by_label("Phone column")).to_have_value("الجوال")
    sample = page.locator("#import-sample tbody tr")
    expect(sample).to_have_count(2)
    expect(sample.first).to_contain_text("أحمد علي")
    expect(sample.first).to_contain_text("+971501234569")
    expect(sample.first).to_contain_text("Table: 3")
    refused = page.locator("#import-errors tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("بلا رقم")
    expect(refused).to_contain_text("phone '12' is invalid")
    shoot(page, "import-preview")
    page.get_by_role("button", name="Import 2 guests").click()
    expect(page.locator("[data-stat=imported]")).to_have_text("2")

    preview_file(page, arabic)
    expect(page.locator("#import-source")).to_contain_text("CP1256")
    expect(page.locator("[data-stat=errors]")).to_have_text("1")  # no mobile number
    page.get_by_label("Phone column").select_option("هاتف العمل")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#import-sample")).to_contain_text("ليلى حسن")
    page.get_by_role("button", name="Import 1 guest", exact=True).click()
    expect(page.locator("[data-stat=imported]")).to_have_text("1")

    preview_file(page, garbled)
    expect(page.locator("[data-stat=repaired]")).to_have_text("1")
    expect(page.locator("#import-repaired")).to_contain_text("أحمد علي")
    page.get_by_role("button", name="Import 1 guest", exact=True).click()
    page.get_by_role("link", name="See the guests").click()
    table = page.locator("#guest-table")
    for name in ("أحمد علي", "Ana Sousa", "ليلى حسن"):
        expect(table).to_contain_text(name)
    expect(page.locator("#guest-table tbody tr")).to_have_count(4)

    # Each guest's language (inferred from the number), and the invitation in each language.
    expect(page.get_by_label("Language of Ana Sousa")).to_have_value("pt")
    expect(page.get_by_label("Language of ليلى حسن")).to_have_value("ar")
    page.get_by_label("Language of Ana Sousa").select_option("es")
    page.get_by_role("button", name="Set the language of Ana Sousa").click()
    expect(page.get_by_text("Ana Sousa will get their messages in Español.")).to_be_visible()
    expect(page.get_by_label("Language of Ana Sousa")).to_have_value("es")
    texts = {
        "en": "Hi Ana, you are invited to Gulf dinner.",
        "es": "Hola Ana, estás invitado/a a Gulf dinner.",
        "pt": "Olá Ana, você está convidado/a para Gulf dinner.",
        "ar": "مرحبًا Ana، يسعدنا دعوتك إلى Gulf dinner.",
    }
    for code, text in texts.items():
        quote = page.locator(f"#invitation-preview blockquote[data-language={code}]")
        expect(quote).to_contain_text(text)
    arabic = page.locator("#invitation-preview blockquote[data-language=ar]")
    assert arabic.evaluate("node => getComputedStyle(node).direction") == "rtl"
    shoot(page, "invitation-languages")


def test_inbox_one_click_rsvp(stack: ServiceStack, page: Page, migrated: dict[str, str]) -> None:
    app = create_app(migrated)
    event_id = make_event(app, "Cena de gala")
    (guest_id,) = make_guests(app, event_id, [("Lucía Gómez", "+34612345678")])
    invitation_id = invite(app, guest_id)
    make_inbound(
        app,
        from_phone="whatsapp:+34612345678",
        body="¿Puedo ir con mi marido?",
        guest_id=guest_id,
        event_id=event_id,
    )

    page.goto(f"{stack.web_url}/inbox?kind=needs")
    sign_in(page)
    message = page.locator("#messages li", has_text="¿Puedo ir con mi marido?")
    expect(message).to_contain_text("Needs an answer")
    shoot(page, "inbox-needs-answer")
    message.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Lucía Gómez: RSVP set to Yes.")).to_be_visible()
    # The RSVP is set, and the question still waits for the organiser's answer.
    asked = page.locator("#messages li", has_text="¿Puedo ir con mi marido?")
    expect(asked).to_contain_text("Needs an answer")
    asked.get_by_role("button", name="Set aside").click()
    expect(page.get_by_text("Set aside: it no longer needs an answer.")).to_be_visible()
    expect(page.locator("#messages li", has_text="¿Puedo ir con mi marido?")).to_have_count(0)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.rsvp is Rsvp.CONFIRMED
        dispose_engines()
