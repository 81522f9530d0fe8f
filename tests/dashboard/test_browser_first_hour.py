"""The organiser's first hour, in a real browser (Debian's Chromium) against the whole service.

A wedding in Madrid: the event made from the dashboard; an Excel list with Spanish titles,
numbers written without +34 and a guest whose language is "Francés" imports every valid row;
a guest is corrected and another deleted; the invitations are scheduled two minutes ahead
and the open campaign page turns into the completed one without a reload; a guest's
question is answered from their conversation; the export has the answers in Madrid time.
Screenshots: /tmp/dashboard-first-hour-*.png.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from app import create_app
from app.emulator.config import DEFAULT_AUTH_TOKEN
from app.extensions import db
from tests.support.browser import shoot, sign_in
from tests.support.database import dispose_engines
from tests.support.stack import ServiceStack
from tests.support.webhooks import INBOUND, inbound_form, sign
from tests.support.workbooks import xlsx

pytestmark = pytest.mark.slow

MADRID = ZoneInfo("Europe/Madrid")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LIST = [
    ["Nombre", "Teléfono", "Idioma", "Mesa"],
    ["Lucía Gómez", "631931491", "", 1],
    ["Jorge Ruiz", "651 850 671", "Español", 2],
    ["Amine Benali", "+212 612 345 678", "Francés", 3],
    ["Marta Díaz", "622 334 455", "", 2],
    ["Sin teléfono", "", "", 4],
]


def row(page: Page, name: str) -> Locator:
    """The guest table's row of the guest called `name`."""
    return page.locator("#guest-table tbody tr", has_text=name)


def guest_writes(stack: ServiceStack, phone: str, body: str) -> None:
    """The guest sends `body`: Twilio's signed inbound webhook."""
    url = stack.web_url + INBOUND
    form = inbound_form(phone, body)
    signature = sign(url, form, token=DEFAULT_AUTH_TOKEN)
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text


def time_passes(migrated: dict[str, str], campaign_id: int) -> None:
    """The two minutes go by: the campaign's time is now, and the worker's sweep starts it."""
    app = create_app(migrated)
    with app.app_context():
        db.session.execute(
            db.text("UPDATE campaigns SET send_at = now() WHERE id = :id"), {"id": campaign_id}
        )
        db.session.commit()
        dispose_engines()


def test_the_organisers_first_hour(
    stack: ServiceStack, page: Page, migrated: dict[str, str], tmp_path: Path
) -> None:
    page.goto(f"{stack.web_url}/")
    sign_in(page)

    # The event, in Madrid: national numbers are read as Spanish ones.
    page.get_by_label("Event name").fill("Boda de Lucía y Jorge")
    page.get_by_label("Date and time").fill(
        (datetime.now(MADRID) + timedelta(days=20)).strftime("%Y-%m-%dT19:00")
    )
    page.get_by_label("Time zone").fill("Europe/Madrid")
    page.get_by_label("Venue").fill("Finca El Olivar")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Boda de Lucía y Jorge")).to_be_visible()
    event_url = page.url

    # The list: every valid row imported, the French guest in French, one line refused.
    path = tmp_path / "invitados.xlsx"
    path.write_bytes(xlsx(LIST))
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#import-country")).to_have_text("Spain")
    shoot(page, "first-hour-preview")
    page.get_by_role("button", name="Import 4 guests").click()
    expect(page.locator("[data-stat=imported]")).to_have_text("4")
    expect(page.locator("[data-stat=errors]")).to_have_text("1")
    page.goto(event_url)
    expect(row(page, "Lucía Gómez")).to_contain_text("+34631931491")
    expect(row(page, "Jorge Ruiz")).to_contain_text("+34651850671")
    expect(row(page, "Amine Benali").locator("select")).to_have_value("fr")

    # A name corrected, a guest who will not come deleted.
    row(page, "Jorge Ruiz").get_by_role("link", name="Edit Jorge Ruiz").click()
    page.get_by_label("Name").fill("Jorge Ruiz Soto")
    page.get_by_role("button", name="Save").click()
    expect(row(page, "Jorge Ruiz Soto")).to_be_visible()
    row(page, "Marta Díaz").get_by_role("link", name="Edit Marta Díaz").click()
    page.get_by_role("link", name="Delete the guest…").click()
    page.get_by_role("button", name="Delete Marta Díaz").click()
    expect(page.locator("#guest-table tbody tr")).to_have_count(3)

    # The invitations, two minutes ahead; the open page follows the campaign to its end.
    page.get_by_role("link", name="Send invitations…").click()
    soon = datetime.now(MADRID) + timedelta(minutes=2)
    page.get_by_label("Send at (optional, in the event's zone)").fill(
        soon.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Schedule 3 invitations").click()
    badge = page.locator("[data-field=state-badge]")
    expect(badge).to_have_text("Scheduled")
    campaign_id = int(page.url.rsplit("/", 1)[1])
    page.evaluate("window.__sameDocument = true")
    time_passes(migrated, campaign_id)
    expect(badge).to_have_text("Completed", timeout=60_000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    shoot(page, "first-hour-completed")

    # A question, answered from the guest's conversation.
    guest_writes(stack, "+34631931491", "¡Sí! ¿Hay aparcamiento en la finca?")
    page.goto(f"{stack.web_url}/inbox?kind=needs")
    question = page.locator("#messages li", has_text="¿Hay aparcamiento en la finca?")
    expect(question).to_contain_text("Needs an answer")
    question.get_by_role("link", name="Reply").click()
    page.get_by_label("Your reply").fill("Sí, junto a la entrada. ¡Os esperamos!")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply to Lucía Gómez queued")).to_be_visible()
    sent = page.locator("#thread .bubble-out", has_text="Sí, junto a la entrada.")
    expect(sent).to_be_visible()
    expect(page.locator("#thread .needs-answer")).to_have_count(0)
    page.set_viewport_size(PHONE)
    shoot(page, "first-hour-conversation-phone")
    page.set_viewport_size(DESKTOP)
    emulator = requests.get(f"{stack.emulator_url}/_emulator/health", timeout=5)
    assert emulator.status_code == 200

    # The export: each answer's time in Madrid, as the organiser lives it.
    page.goto(event_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Excel").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = rows[0]
    lucia = next(line for line in rows[1:] if line[0] == "Lucía Gómez")
    answered_at = lucia[header.index("RSVP at (Europe/Madrid)")]
    assert isinstance(answered_at, datetime)
    now_in_madrid = datetime.now(UTC).astimezone(MADRID).replace(tzinfo=None)
    assert abs(now_in_madrid - answered_at) < timedelta(minutes=5)
    assert lucia[header.index("RSVP")] == "Confirmed"
