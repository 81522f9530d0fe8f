"""Parse Twilio's webhook forms into typed values, refusing what Twilio would never send.

The inbound domain's values, below the services that apply them (`delivery`, `inbound`)
and the spool's replay (`app.tasks.spool`); the webhook views parse requests with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.models.enums import DeliveryStatus

FORM_MIMETYPE = "application/x-www-form-urlencoded"
MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$", re.IGNORECASE)
# Column widths: inbound_messages.from_phone/to_phone, status_callbacks.raw_status.
MAX_ADDRESS_CHARS = 40
MAX_STATUS_CHARS = 40
MAX_SHORT_TEXT_CHARS = 200
MAX_ERROR_CODE = 2**31 - 1
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
DELIVERY_STATUSES = frozenset(status.value for status in DeliveryStatus)
# The button ids of a seat offer's template (`app.sending.waitlist`): Claim and Pass.
OFFER_PAYLOADS = frozenset({"claim", "pass"})

Pairs = list[tuple[str, str]]


class FormError(ValueError):
    """A webhook form that is missing a required field or holds an impossible value."""


@dataclass(frozen=True)
class InboundForm:
    """A guest's message, as Twilio posts it to the inbound webhook."""

    message_sid: str
    from_address: str  # e.g. whatsapp:+5511987654321
    to_address: str
    body: str
    button_payload: str | None
    button_text: str | None
    replied_sid: str | None
    profile_name: str | None
    params: dict[str, Any]

    @property
    def phone(self) -> str:
        """The sender's number without the channel prefix, e.g. +5511987654321."""
        return strip_channel(self.from_address)

    @property
    def e164(self) -> str | None:
        """The sender's number when it is a valid E.164 number (opt-outs are keyed by it)."""
        return self.phone if E164.match(self.phone) else None


@dataclass(frozen=True)
class StatusForm:
    """A delivery status callback."""

    message_sid: str
    raw_status: str
    status: DeliveryStatus | None  # None for statuses the service does not track
    error_code: int | None
    params: dict[str, Any]


def strip_channel(address: str) -> str:
    """Drop a `whatsapp:` (or other channel) prefix from an address."""
    return address.rpartition(":")[2].strip()


def form_pairs(items: Iterable[tuple[str, str]]) -> Pairs:
    """Copy every received (name, value) pair, repeated names included, refusing NUL bytes."""
    pairs = [(str(name), str(value)) for name, value in items]
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise FormError("the form contains a NUL character")
    return pairs


def params_of(pairs: Pairs) -> dict[str, Any]:
    """Every parameter as stored: a string, or a list when a name was repeated."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def check_content_type(mimetype: str) -> None:
    """Accept only the form encoding Twilio uses for messaging webhooks."""
    if mimetype != FORM_MIMETYPE:
        raise FormError(f"expected {FORM_MIMETYPE}, got {mimetype or 'no content type'}")


def _first(params: Mapping[str, Any], name: str) -> str:
    """The first value of a parameter, or an empty string."""
    value = params.get(name, "")
    return str(value[0] if isinstance(value, list) else value)


def _message_sid(params: Mapping[str, Any]) -> str:
    """The required MessageSid (SM/MM + 32 hex digits)."""
    sid = _first(params, "MessageSid")
    if not MESSAGE_SID.match(sid):
        raise FormError("MessageSid is missing or malformed")
    return sid


def _address(params: Mapping[str, Any], name: str) -> str:
    """A required From/To address of bounded length."""
    address = _first(params, name).strip()
    if not address:
        raise FormError(f"{name} is missing")
    if len(address) > MAX_ADDRESS_CHARS:
        raise FormError(f"{name} is longer than {MAX_ADDRESS_CHARS} characters")
    return address


def _optional(params: Mapping[str, Any], name: str) -> str | None:
    """An optional short text, cut to its column's width (the full value stays in params)."""
    value = _first(params, name).strip()
    return value[:MAX_SHORT_TEXT_CHARS] or None


def parse_inbound(pairs: Pairs) -> InboundForm:
    """Validate an inbound message form; raise FormError when it is unusable."""
    params = params_of(pairs)
    replied = _first(params, "OriginalRepliedMessageSid")
    return InboundForm(
        message_sid=_message_sid(params),
        from_address=_address(params, "From"),
        to_address=_address(params, "To"),
        body=_first(params, "Body"),
        button_payload=_optional(params, "ButtonPayload"),
        button_text=_optional(params, "ButtonText"),
        replied_sid=replied if MESSAGE_SID.match(replied) else None,
        profile_name=_optional(params, "ProfileName"),
        params=params,
    )


def _error_code(text: str) -> int | None:
    """An integer ErrorCode, or None when absent or not a code."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return None
    code = int(text)
    return code if 0 < code <= MAX_ERROR_CODE else None


def parse_status(pairs: Pairs) -> StatusForm:
    """Validate a status callback form; raise FormError when it is unusable."""
    params = params_of(pairs)
    raw_status = _first(params, "MessageStatus").strip()
    if not raw_status:
        raise FormError("MessageStatus is missing")
    if len(raw_status) > MAX_STATUS_CHARS:
        raise FormError(f"MessageStatus is longer than {MAX_STATUS_CHARS} characters")
    normalized = raw_status.lower()
    return StatusForm(
        message_sid=_message_sid(params),
        raw_status=raw_status,
        status=DeliveryStatus(normalized) if normalized in DELIVERY_STATUSES else None,
        error_code=_error_code(_first(params, "ErrorCode")),
        params=params,
    )
