"""Check that a webhook came from Twilio: `X-Twilio-Signature` over the public URL and form."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask import abort, current_app, request
from flask.sansio.app import App
from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from werkzeug.datastructures import Headers, MultiDict

from app.urls import requested_public_url

log = logging.getLogger(__name__)

# Flask config key: {shared key id: secret} for webhooks signed with a Twilio SharedKey.


class FormValues(dict[str, list[str]]):
    """Every value of each form field, in the shape RequestValidator reads first."""

    def getall(self, name: str) -> list[str]:
        """All values of a field (twilio's validator tries this before `getlist`)."""
        return self[name]


@dataclass(frozen=True)
class SigningSettings:
    """What `X-Twilio-Webhooks-Signature-Settings` says: which key, which algorithm."""

    key_id: str | None
    algorithm: str


def parse_settings_header(value: str | None) -> SigningSettings:
    """Read `key=...,algorithm=...`; no header means the Auth Token with HMAC-SHA1."""
    key_id = None
    for part in (value or "").split(","):
        name, separator, item = part.partition("=")
        if separator and name.strip() == "key" and item.strip():
            key_id = item.strip()
    return SigningSettings(key_id, get_signature_algorithm(value) if value else HMAC_SHA1)


def signing_secret(
    settings: SigningSettings, auth_token: str | None, shared_keys: Mapping[str, str]
) -> str | None:
    """The secret the request must have been signed with; None when the service has none."""
    if settings.key_id is not None:
        return shared_keys.get(settings.key_id)
    return auth_token


def is_signed(
    url: str,
    params: Mapping[str, str] | Mapping[str, list[str]] | MultiDict[str, str],
    headers: Mapping[str, str] | Headers,
    auth_token: str | None,
    shared_keys: Mapping[str, str],
) -> bool:
    """Whether the headers carry a valid signature of `url` and every form parameter."""
    signature = headers.get(SIGNATURE_HEADER)
    if not signature:
        return False
    settings = parse_settings_header(headers.get(SIGNATURE_SETTINGS_HEADER))
    secret = signing_secret(settings, auth_token, shared_keys)
    if not secret:
        return False  # fail closed: nothing to check against means nothing is trusted
    validator = RequestValidator(secret)
    try:
        # The URL as Twilio called it is what it signs: one HMAC settles almost every request.
        expected = validator.compute_signature(url, params, settings.algorithm)
    except ValueError:  # an algorithm this version of twilio doesn't know
        return False
    if hmac.compare_digest(expected.encode(), signature.encode()):
        return True
    # Twilio's signing of default ports varies: the library also tries the other spelling.
    valid: bool = validator.validate(url, params, signature, settings.algorithm)
    return valid


def require_signature() -> None:
    """Abort the current request with 403 unless Twilio signed it (or checks are disabled)."""
    twilio = current_app.config["SETTINGS"].twilio
    if not twilio.validate_signatures:
        return
    if not twilio.auth_token:
        log.error("webhook rejected: TWILIO_AUTH_TOKEN is not configured")
        abort(403)
    url = requested_public_url()
    # Passing every value of every field: Twilio signs them all, repeated names included.
    form = FormValues(request.form.lists())
    if not is_signed(url, form, request.headers, twilio.auth_token, twilio.webhook_shared_keys):
        log.warning("webhook rejected: signature does not match %s", url)
        abort(403, description="invalid Twilio signature")


def configure(app: App) -> None:
    """Say loudly when signature checks are off."""
    settings = app.config["SETTINGS"]
    if not settings.twilio.validate_signatures:
        log.warning(
            "Twilio signature validation is DISABLED (TWILIO_VALIDATE_SIGNATURES=false, %s):"
            " anyone can post to the webhooks; never run like this in production",
            settings.env.value,
        )
