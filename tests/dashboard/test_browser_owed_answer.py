"""A guest's yes taken while PostgreSQL could not, in a real browser against the whole service.

The tap was spooled (its webhook answered with nothing: an RSVP's outcome needs the
database); the replay applies it, and the engine sends the confirmation it owed, which the
emulator accepts, and then asks how many are coming (the event allows plus-ones). The
guest's conversation shows both as the service's, not as the organiser's replies, in each
language of the dashboard, on a phone, right to left in Arabic; the inbox counts neither as
an answer to the guest's question. Screenshots: /tmp/dashboard-owed-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from app import create_app
from app.extensions import redis_store
from app.services.webhook_spool import SPOOL_KEY, Endpoint, SpooledWebhook
from app.tasks.spool import replay_spool
from tests.support.browser import PHONE, shoot
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.database import dispose_engines, execute, scalar
from tests.support.factories import seed
from tests.support.polling import eventually
from tests.support.stack import ServiceStack
from tests.support.webhooks import button_form, inbound_form

pytestmark = pytest.mark.slow

GUEST = "+34631931499"
# The labels of the confirmation and of the question, as each catalogue says them
# (test_translations keeps the catalogues whole).
LABELS = {
    "en-GB": ("Late confirmation", "Automatic question"),
    "es-ES": ("Confirmación tardía", "Pregunta automática"),
    "pt-BR": ("Confirmação tardia", "Pergunta automática"),
    "fr-FR": ("Confirmation tardive", "Question automatique"),
    "ar-AE": ("تأكيد متأخر", "سؤال تلقائي"),
}


def test_the_confirmation_owed_after_an_outage_is_sent_and_shown_as_the_service_s(
    stack: ServiceStack, browser: Browser, migrated: dict[str, str]
) -> None:
    app = create_app(migrated)
    seeded = seed(app, GUEST, guest_name="Lucía Gómez", event_name="Boda de Marta y Jorge")
    execute(app, "UPDATE events SET plus_ones = 2 WHERE id = :id", id=seeded.event_id)
    start = datetime.now(UTC) - timedelta(minutes=3)
    question = inbound_form(GUEST, "¿Puedo llevar a mi hijo de 5 años?")
    tap = button_form(GUEST, "yes", "Sí", seeded.message_sid)
    with app.app_context():
        for n, form in enumerate((question, tap)):
            item = SpooledWebhook(
                Endpoint.INBOUND, list(form.items()), start + timedelta(seconds=n), f"owed-{n}"
            )
            redis_store.connection.rpush(SPOOL_KEY, item.dumps())
    replay_spool(app)  # or the worker's replay, whichever takes the lock first

    owed = "SELECT send_state FROM invitations WHERE answers_message_id IS NOT NULL"
    assert eventually(lambda: scalar(app, owed) == "accepted", 30), stack.logs()
    asked = "SELECT send_state FROM invitations WHERE content_key IS NOT NULL"
    assert eventually(lambda: scalar(app, asked) == "accepted", 30), stack.logs()
    with app.app_context():
        dispose_engines()

    for locale, (confirmation, question) in LABELS.items():
        context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="Europe/Madrid")
        page = context.new_page()
        try:
            page.goto(f"{stack.web_url}/login")
            page.locator("input[name=email]").fill(ADMIN_EMAIL)
            page.locator("input[name=password]").fill(ADMIN_PASSWORD)
            page.locator("input[name=password]").press("Enter")
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(f"{stack.web_url}/guests/{seeded.guest_id}/conversation")
            sent = page.locator("#thread .bubble-out", has_text="Boda de Marta y Jorge")
            expect(sent).to_contain_text(confirmation)
            # (The emulator's guest may tap "Sí" again on it, and be asked once more.)
            how_many = page.locator("#thread .bubble-out", has_text="¿Cuántas personas vendrán")
            expect(how_many.first).to_contain_text(question)
            # The guest's question still waits for the organiser's answer.
            expect(page.locator("#thread .needs-answer")).to_have_count(1)
            shoot(page, f"owed-{locale}-phone")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            direction = page.evaluate("document.documentElement.dir")
            assert direction == ("rtl" if locale.startswith("ar") else "ltr")
        finally:
            context.close()
