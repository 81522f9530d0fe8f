"""Validate create-message parameters the way Twilio does, with Twilio's error codes."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping

import phonenumbers

from app.emulator.config import EmulatorConfig, strip_channel
from app.emulator.content import ContentStore
from app.emulator.errors import bad_request
from app.emulator.store import StoredMessage, new_sid

CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MAX_BODY = 1600
MAX_VALIDITY = 36000


def build_message(
    form: Mapping[str, str],
    config: EmulatorConfig,
    optouts: Collection[str],
    contents: ContentStore | None = None,
) -> StoredMessage:
    """Return the message a valid create request makes; raise ApiError otherwise.

    A template made through the Content API shows its body with the variables filled in,
    and its media; another content SID shows the text configured for it (or the default).
    """
    to = form.get("To", "").strip()
    sender = form.get("From", "").strip() or None
    service = form.get("MessagingServiceSid", "").strip() or None
    check_addresses(to, sender, service)
    check_content(form)
    check_validity_period(form.get("ValidityPeriod"))
    check_status_callback(form.get("StatusCallback"))
    check_recipient(to, config, optouts)
    rendered = (
        contents.render(form["ContentSid"], form.get("ContentVariables"))
        if (contents is not None and form.get("ContentSid"))
        else None
    )
    media_url = form.get("MediaUrl")
    body, media = rendered or (
        form.get("Body") or render_content(form, config),
        [media_url] if media_url else [],
    )
    return StoredMessage(
        sid=new_sid(),
        account_sid=config.account_sid,
        to=to,
        from_=sender,
        messaging_service_sid=service,
        body=body,
        media=media,
        params=dict(form),
        status="accepted" if service else "queued",
    )


# What a content template without a configured text renders: the project's own template.
DEFAULT_TEMPLATE = "Hi {{1}}, you are invited to {{2}} on {{3}} at {{4}}. Will you come?"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def render_content(form: Mapping[str, str], config: EmulatorConfig) -> str:
    """The body Twilio shows for a content template: its text with the variables filled in."""
    content_sid = form.get("ContentSid")
    if not content_sid:
        return ""
    template = config.content_templates.get(content_sid, DEFAULT_TEMPLATE)
    variables = json.loads(form.get("ContentVariables") or "{}")
    return PLACEHOLDER.sub(lambda match: str(variables.get(match.group(1), "")), template)


def check_addresses(to: str, sender: str | None, service: str | None) -> None:
    """Require To, and From or a well-formed MessagingServiceSid on the same channel."""
    if not to:
        raise bad_request(21604, "A 'To' phone number is required.")
    if not sender and not service:
        raise bad_request(21603, "A 'From' phone number is required.")
    if service and not MESSAGING_SERVICE_SID.match(service):
        raise bad_request(21701, f"The Messaging Service Sid {service} is invalid.")
    if sender and to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
        raise bad_request(
            21910, "Invalid From and To pair. From and To should be of the same channel"
        )


def check_content(form: Mapping[str, str]) -> None:
    """Require Body or ContentSid; check ContentSid and ContentVariables."""
    body = form.get("Body", "")
    content_sid = form.get("ContentSid", "")
    if not body and not content_sid and not form.get("MediaUrl"):
        raise bad_request(21619, "A text message body or media urls must be specified.")
    if len(body) > MAX_BODY:
        raise bad_request(21617, "The concatenated message body exceeds the 1600 character limit.")
    if content_sid and not CONTENT_SID.match(content_sid):
        raise bad_request(21655, "The ContentSid is Invalid.")
    variables = form.get("ContentVariables")
    if variables is not None and not is_json_object(variables):
        raise bad_request(21656, "The ContentVariables Parameter is invalid.")


def is_json_object(text: str) -> bool:
    """Return whether `text` is a JSON object."""
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def check_validity_period(value: str | None) -> None:
    """Require ValidityPeriod, when given, to be whole seconds in 1..36000."""
    if value is None:
        return
    try:
        seconds = int(value)
    except ValueError:
        raise bad_request(90014, "Validity Period should be positive integer") from None
    if not 1 <= seconds <= MAX_VALIDITY:
        raise bad_request(90007, "Invalid validity period value")


def check_status_callback(url: str | None) -> None:
    """Require StatusCallback, when given, to be an absolute http(s) URL."""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request(21609, f"The StatusCallback URL {url} is not a valid URL.")


def check_recipient(to: str, config: EmulatorConfig, optouts: Collection[str]) -> None:
    """Reject invalid numbers (21211) and opted-out recipients (21610)."""
    number = strip_channel(to)
    if not is_valid_number(number, config):
        raise bad_request(21211, f"Invalid 'To' Phone Number: {to}")
    if number in optouts:
        raise bad_request(21610, "Attempt to send to unsubscribed recipient")


def is_valid_number(number: str, config: EmulatorConfig) -> bool:
    """Return whether `number` is E.164 and passes the configured checks."""
    if not E164.match(number) or matches_prefix(number, config.invalid_numbers):
        return False
    if config.number_check == "off":
        return True
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    if config.number_check == "possible":
        return phonenumbers.is_possible_number(parsed)
    return phonenumbers.is_valid_number(parsed)


def matches_prefix(number: str, prefixes: Collection[str]) -> bool:
    """Return whether `number` starts with one of `prefixes`."""
    return any(number.startswith(prefix) for prefix in prefixes)
