"""Inbound messages from guests: button taps and typed text, as Twilio posts them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.emulator.config import EmulatorConfig, strip_channel
from app.emulator.content import StoredContent
from app.emulator.store import API_VERSION, StoredMessage, new_sid

BUTTON_TITLES = {"yes": "Yes", "no": "No", "maybe": "Maybe"}


@dataclass(frozen=True)
class GuestReply:
    """A message a guest sends: a tap on a quick-reply button, or typed text."""

    guest: str
    button: str | None = None
    button_text: str | None = None
    text: str | None = None
    original_sid: str | None = None
    profile_name: str = "Guest"
    to: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GuestReply:
        """Build a reply from the control endpoint's JSON; raise ValueError if unusable."""
        guest = str(data.get("from") or data.get("guest") or "").strip()
        if not strip_channel(guest).startswith("+"):
            raise ValueError("'from' must be the guest's number, e.g. whatsapp:+5511987654321")
        button, text = data.get("button"), data.get("text")
        if not button and text is None:
            raise ValueError("give 'button' (a ButtonPayload such as yes) or 'text'")
        extra = data.get("params") or {}
        if not isinstance(extra, dict):
            raise ValueError("'params' must be an object")
        return cls(
            guest=guest,
            button=str(button) if button else None,
            button_text=optional_str(data.get("button_text")),
            text=None if text is None else str(text),
            original_sid=optional_str(data.get("original_sid")),
            profile_name=str(data.get("profile_name") or "Guest"),
            to=optional_str(data.get("to")),
            extra={str(key): str(value) for key, value in extra.items()},
        )


def optional_str(value: Any) -> str | None:
    """Return `value` as a string, or None when empty."""
    return str(value) if value not in (None, "") else None


def reply_params(
    reply: GuestReply,
    original: StoredMessage | None,
    config: EmulatorConfig,
    content: StoredContent | None = None,
) -> dict[str, str]:
    """Return the form Twilio posts to the inbound webhook for this reply (`content`: the
    original message's, whose button or list item a tap names)."""
    number = strip_channel(reply.guest)
    sender = reply.to or (original.from_ if original and original.from_ else config.sender)
    sender = f"whatsapp:{strip_channel(sender)}"
    sid = new_sid()
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": config.account_sid,
        "From": f"whatsapp:{number}",
        "To": sender,
        "NumMedia": "0",
        "NumSegments": "1",
        "ProfileName": reply.profile_name,
        "WaId": number.lstrip("+"),
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }
    if original is not None and original.messaging_service_sid:
        params["MessagingServiceSid"] = original.messaging_service_sid
    if reply.button:
        params.update(button_params(reply, original, sender, content))
    else:
        params.update(text_params(reply))
    params.update(reply.extra)
    return params


def button_params(
    reply: GuestReply,
    original: StoredMessage | None,
    sender: str,
    content: StoredContent | None = None,
) -> dict[str, str]:
    """Return the fields of a tap: a quick reply's (`ButtonPayload`, `ButtonText`), or a
    list-picker item's (`ListId`, `ListTitle`, `ListDescription`, as Twilio's webhooks show
    them, though its documentation does not list them); `Body` is the title either way."""
    payload = reply.button or ""
    found = content.option(payload) if content is not None else None
    title = reply.button_text or (found[1] if found else None)
    title = title or BUTTON_TITLES.get(payload.lower(), payload)
    params: dict[str, str]
    if found is not None and found[0] == "twilio/list-picker":
        params = {
            "MessageType": "interactive",
            "ListId": payload,
            "ListTitle": title,
            "ListDescription": found[2],
            "Body": title,
        }
    else:
        params = {
            "MessageType": "button",
            "ButtonPayload": payload,
            "ButtonText": title,
            "Body": title,
        }
    original_sid = reply.original_sid or (original.sid if original else None)
    if original_sid:
        params["OriginalRepliedMessageSid"] = original_sid
        params["OriginalRepliedMessageSender"] = sender
    return params


def text_params(reply: GuestReply) -> dict[str, str]:
    """Return the fields of a typed text message."""
    return {"MessageType": "text", "Body": reply.text or ""}
