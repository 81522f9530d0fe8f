"""The service's public URLs, as Twilio sees them."""

from __future__ import annotations

from flask import current_app, request

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"


def public_base_url() -> str | None:
    """`PUBLIC_BASE_URL` (or the platform's), without a trailing slash, if configured."""
    base: str | None = current_app.config["SETTINGS"].public_base_url
    return base


def status_callback_url() -> str | None:
    """Where Twilio should POST delivery status; None when no public URL is configured."""
    base = public_base_url()
    return f"{base}{STATUS_CALLBACK_PATH}" if base else None


def requested_public_url() -> str:
    """The URL Twilio called for the current request, for signature validation.

    Behind a TLS-terminating proxy Flask sees `http://internal-host`: rebuild the URL from
    `PUBLIC_BASE_URL` when it is set, else trust what ProxyFix restored.
    """
    base = public_base_url()
    if base is None:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")
