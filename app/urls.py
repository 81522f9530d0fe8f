"""The service's URLs: ids in paths (ASCII digits only), and the public URLs Twilio and
guests see."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"
MEDIA_PATH = "/media/"


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's `int`, ASCII digits only.

    Its `\\d+` also matches other scripts' digits (full-width U+FF11, Arabic-Indic U+0661),
    which `int()` reads as 1: `/events/` followed by U+FF11 would be another address of
    `/events/1`.
    """

    regex = r"[0-9]+"


def register_converters(app: Flask) -> None:
    """Make `<int:...>` in every route (registered after this) take ASCII digits only."""
    app.url_map.converters["int"] = AsciiIntegerConverter


def public_base_url() -> str | None:
    """`PUBLIC_BASE_URL` (or the platform's), without a trailing slash, if configured."""
    base: str | None = current_app.config["SETTINGS"].public_base_url
    return base


def status_callback_url() -> str | None:
    """Where Twilio should POST delivery status; None when no public URL is configured."""
    base = public_base_url()
    return f"{base}{STATUS_CALLBACK_PATH}" if base else None


def public_url(path: str) -> str:
    """A path of the service as the world reaches it: on the public base URL when one is
    configured, else on the host of the current request (else the path alone: a replay)."""
    base = public_base_url()
    if base:
        return f"{base}{path}"
    return f"{request.host_url.rstrip('/')}{path}" if has_request_context() else path


def media_url(base: str, token: str) -> str:
    """A template's header image (`/media/<token>`) on the public base URL `base`."""
    return f"{base}{MEDIA_PATH}{token}"


def guest_page_url(token: str) -> str:
    """A guest's own page (`/e/<token>`), on the public base URL when one is configured."""
    path = url_for("guest_pages.page", token=token)
    base = public_base_url()
    return f"{base}{path}" if base else url_for("guest_pages.page", token=token, _external=True)


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
