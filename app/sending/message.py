"""Build the Messages API parameters of one invitation.

Template variables (`ContentVariables`, a JSON object of strings), for a quick-reply
template such as "Hi {{1}}, you are invited to {{2}} on {{3}} at {{4}}":

- `"1"`: the guest's name
- `"2"`: the event's name
- `"3"`: the event's start, e.g. `Sat 12 Dec 2026, 19:00` (UTC), when the event has one
- `"4"`: the venue, when the event has one

then every extra column imported with the guest (`Guest.variables`), under its own name.
The numbered keys win over a guest column of the same name. Variables the event does not
have are left out, so the template's own default sample values apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.config import Settings

WHATSAPP = "whatsapp:"
# The template variables every invitation fills from its guest and event (see above).
NUMBERED_VARIABLES = ("1", "2", "3", "4")
DATE_FORMAT = "%a %d %b %Y, %H:%M"


@dataclass(frozen=True)
class MessageDefaults:
    """What every invitation shares: sender, template, callback URL and validity period."""

    whatsapp_from: str | None
    messaging_service_sid: str | None
    content_sid: str | None
    status_callback: str | None
    validity_period: int

    @classmethod
    def from_settings(
        cls, settings: Settings, status_callback: str | None, validity_period: int
    ) -> MessageDefaults:
        """Take the sender and template from the app's Twilio settings."""
        twilio = settings.twilio
        sender = twilio.whatsapp_from
        if sender and not sender.startswith(WHATSAPP):
            sender = WHATSAPP + sender
        return cls(
            whatsapp_from=sender,
            messaging_service_sid=twilio.messaging_service_sid,
            content_sid=twilio.invite_content_sid,
            status_callback=status_callback,
            validity_period=validity_period,
        )

    @property
    def sender(self) -> str:
        """The sender's identity: the Messaging Service when set, else the `From` address."""
        return self.messaging_service_sid or self.whatsapp_from or ""


@dataclass(frozen=True)
class Invitee:
    """The guest and event fields an invitation is built from."""

    name: str
    phone: str
    event_name: str
    starts_at: datetime | None = None
    venue: str | None = None
    variables: Mapping[str, Any] | None = None


def whatsapp_address(phone: str) -> str:
    """`whatsapp:+E164` for a stored E.164 number."""
    return phone if phone.startswith(WHATSAPP) else WHATSAPP + phone


def format_start(starts_at: datetime | None) -> str | None:
    """The event's start as a person reads it, or None."""
    return starts_at.strftime(DATE_FORMAT) if starts_at else None


def content_variables(invitee: Invitee) -> dict[str, str]:
    """The template variables of one invitation (see the module docstring for the numbering)."""
    values = {str(key): str(value) for key, value in (invitee.variables or {}).items()}
    numbered = {
        "1": invitee.name,
        "2": invitee.event_name,
        "3": format_start(invitee.starts_at),
        "4": invitee.venue,
    }
    values.update({key: value for key, value in numbered.items() if value})
    return values


def invitation_body(invitee: Invitee) -> str:
    """The plain-text invitation, used when no template is configured."""
    when = format_start(invitee.starts_at)
    details = "".join(
        part
        for part in (f" on {when}" if when else "", f" at {invitee.venue}" if invitee.venue else "")
    )
    return (
        f"Hi {invitee.name}, you are invited to {invitee.event_name}{details}. "
        "Will you come? Reply YES, NO or MAYBE."
    )


def build_params(defaults: MessageDefaults, invitee: Invitee) -> dict[str, str]:
    """The form of `POST /Messages.json` for one invitation."""
    params = {"To": whatsapp_address(invitee.phone)}
    if defaults.messaging_service_sid:
        params["MessagingServiceSid"] = defaults.messaging_service_sid
    elif defaults.whatsapp_from:
        params["From"] = defaults.whatsapp_from
    if defaults.content_sid:
        params["ContentSid"] = defaults.content_sid
        params["ContentVariables"] = json.dumps(content_variables(invitee), ensure_ascii=False)
    else:
        params["Body"] = invitation_body(invitee)
    if defaults.status_callback:
        params["StatusCallback"] = defaults.status_callback
    params["ValidityPeriod"] = str(defaults.validity_period)
    return params
