"""The Messages API parameters of an invitation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app.sending.message import Invitee, MessageDefaults, build_params, content_variables

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


def defaults(**overrides: object) -> MessageDefaults:
    """Defaults with a template, a From address and a callback URL."""
    values: dict[str, object] = {
        "whatsapp_from": "whatsapp:+14155238886",
        "messaging_service_sid": None,
        "content_sid": TEMPLATE,
        "status_callback": "https://invites.example.org/webhooks/twilio/status",
        "validity_period": 14400,
    }
    values.update(overrides)
    return MessageDefaults(**values)  # type: ignore[arg-type]


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
        "3": "Sat 12 Dec 2026, 19:00",
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
    assert params["Body"].startswith("Hi Zoë Ñúñez, you are invited to حفل الزفاف on Sat 12 Dec")
    assert "Reply YES, NO or MAYBE" in params["Body"]


def test_a_messaging_service_replaces_the_from_address() -> None:
    params = build_params(defaults(messaging_service_sid=SERVICE), INVITEE)

    assert params["MessagingServiceSid"] == SERVICE
    assert "From" not in params
    assert defaults(messaging_service_sid=SERVICE).sender == SERVICE


def test_no_public_url_means_no_status_callback() -> None:
    assert "StatusCallback" not in build_params(defaults(status_callback=None), INVITEE)
