"""The Messages API parameters of an invitation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import ContentTemplates
from app.sending.message import (
    Invitee,
    MessageDefaults,
    build_params,
    content_variables,
    format_start,
)

TEMPLATE = "HX" + "ab" * 16
SERVICE = "MG" + "1" * 32
INVITEE = Invitee(
    name="Zoë Ñúñez",
    phone="+5511987654321",
    event_name="حفل الزفاف",
    starts_at=datetime(2026, 12, 12, 19, 0, tzinfo=UTC),
    venue="Salão Azul",
    variables={"table": 7, "1": "ignored"},
)


def defaults(
    content_sid: str | None = TEMPLATE,
    content_sids: dict[str, str] | None = None,
    **overrides: Any,
) -> MessageDefaults:
    """Defaults with an invitation template (a default one, and per language), a From
    address and a callback URL."""
    invitation = ContentTemplates(content_sid, content_sids or {})
    values: dict[str, Any] = {
        "whatsapp_from": "whatsapp:+14155238886",
        "messaging_service_sid": None,
        "status_callback": "https://invites.example.org/webhooks/twilio/status",
        "validity_period": 14400,
        "content_templates": {"TWILIO_INVITE_CONTENT_SID": invitation},
    }
    return MessageDefaults(**{**values, **overrides})


def test_a_template_invitation_carries_numbered_variables_and_guest_columns() -> None:
    params = build_params(defaults(), INVITEE)

    assert params == {
        "To": "whatsapp:+5511987654321",
        "From": "whatsapp:+14155238886",
        "ContentSid": TEMPLATE,
        "ContentVariables": params["ContentVariables"],
        "StatusCallback": "https://invites.example.org/webhooks/twilio/status",
        "ValidityPeriod": "14400",
    }
    assert json.loads(params["ContentVariables"]) == {
        "1": "Zoë Ñúñez",
        "2": "حفل الزفاف",
        "3": "Sat, Dec 12, 2026, 7:00\u202fPM · UTC",
        "4": "Salão Azul",
        "table": "7",
    }
    assert "Zoë" in params["ContentVariables"]  # kept readable, not \\u-escaped


def test_variables_the_event_lacks_are_left_to_the_template_defaults() -> None:
    bare = Invitee(name="Ana", phone="+12025550123", event_name="Launch")
    assert content_variables(bare) == {"1": "Ana", "2": "Launch"}


def test_without_a_template_the_body_is_plain_text() -> None:
    params = build_params(defaults(content_sid=None), INVITEE)

    assert "ContentSid" not in params and "ContentVariables" not in params
    assert params["Body"].startswith("Hi Zoë Ñúñez, you are invited to حفل الزفاف on Sat, Dec 12")
    assert "Reply YES, NO or MAYBE" in params["Body"]


def test_a_messaging_service_replaces_the_from_address() -> None:
    params = build_params(defaults(messaging_service_sid=SERVICE), INVITEE)

    assert params["MessagingServiceSid"] == SERVICE
    assert "From" not in params
    assert defaults(messaging_service_sid=SERVICE).sender == SERVICE


def test_no_public_url_means_no_status_callback() -> None:
    assert "StatusCallback" not in build_params(defaults(status_callback=None), INVITEE)


@pytest.mark.parametrize(
    ("time_zone", "language", "text"),
    [
        # The event: 19:30 in Lisbon (18:30 UTC), shown as 19:30 with the zone.
        ("Europe/Lisbon", "en", "Wed, Jun 23, 2027, 7:30\u202fPM · Portugal (Lisbon) Time"),
        ("Europe/Lisbon", "pt", "qua., 23 de jun. de 2027 19:30 · Horário Portugal (Lisboa)"),
        ("Europe/Madrid", "es", "mié, 23 jun 2027, 20:30 · hora de España (Madrid)"),
        ("Asia/Dubai", "ar", "الأربعاء، 23 يونيو 2027، 10:30 م · توقيت الإمارات العربية المتحدة"),
        ("Europe/Paris", "fr", "mer. 23 juin 2027, 20:30 · heure : France"),
        ("UTC", "en", "Wed, Jun 23, 2027, 6:30\u202fPM · UTC"),
        ("Not/AZone", "xx", "Wed, Jun 23, 2027, 6:30\u202fPM · UTC"),  # unknowns fall back
    ],
)
def test_dates_read_in_the_event_zone_and_the_reader_language(
    time_zone: str, language: str, text: str
) -> None:
    starts = datetime(2027, 6, 23, 18, 30, tzinfo=UTC)
    assert format_start(starts, time_zone, language) == text
    invitee = Invitee("Ana", "+351912345678", "Jantar", starts, None, None, time_zone, language)
    assert content_variables(invitee)["3"] == text


@pytest.mark.parametrize(
    ("language", "opening", "question"),
    [
        ("en", "Hi Ana, you are invited to Gala on ", "Reply YES, NO or MAYBE."),
        ("es", "Hola Ana, estás invitado/a a Gala el ", "Responde SÍ, NO o QUIZÁS."),
        ("pt", "Olá Ana, você está convidado/a para Gala em ", "Responda SIM, NÃO ou TALVEZ."),
        ("ar", "مرحبًا Ana، يسعدنا دعوتك إلى Gala يوم ", "أجب بـ نعم أو لا أو ربما."),
        ("fr", "Bonjour Ana, vous êtes invité(e) à Gala le ", "Répondez OUI, NON ou PEUT-ÊTRE."),
    ],
)
def test_the_plain_invitation_speaks_the_guest_language(
    language: str, opening: str, question: str
) -> None:
    starts = datetime(2027, 6, 23, 18, 30, tzinfo=UTC)
    invitee = Invitee("Ana", "+1", "Gala", starts, "Rooftop", None, "Europe/Lisbon", language)
    body = build_params(defaults(content_sid=None), invitee)["Body"]
    assert body.startswith(opening + format_start(starts, "Europe/Lisbon", language))
    assert body.endswith(question)


def test_each_language_has_its_template_and_the_default_covers_the_rest() -> None:
    spanish = "HX" + "cd" * 16
    chosen = defaults(content_sids={"es": spanish})
    for language, sid in (("es", spanish), ("ar", TEMPLATE)):
        invitee = Invitee("Ana", "+34612345678", "Gala", language=language)
        assert build_params(chosen, invitee)["ContentSid"] == sid


def test_the_guests_page_rides_along_when_the_service_has_a_public_url() -> None:
    guest = Invitee(name="Ana", phone="+34612345678", event_name="Boda", page_token="ab" * 32)
    base = "https://invites.example.org/e/"
    with_page = build_params(defaults(page_base=base), guest)
    assert json.loads(with_page["ContentVariables"])["page_url"] == base + "ab" * 32
    body = build_params(defaults(content_sid=None, page_base=base), guest)["Body"]
    assert body.endswith("\nDetails and calendar: https://invites.example.org/e/" + "ab" * 32)
    spanish = Invitee(**{**guest.__dict__, "language": "es"})
    body = build_params(defaults(content_sid=None, page_base=base), spanish)["Body"]
    assert "\nDetalles y calendario: https://" in body
    # Without a public URL there is no link to give.
    assert "page_url" not in json.loads(build_params(defaults(), guest)["ContentVariables"])
    assert "http" not in build_params(defaults(content_sid=None), guest)["Body"]
