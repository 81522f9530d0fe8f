"""Security headers on every response: dashboard pages, the API, webhooks and health alike."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Browsers must take every answer for the type it says, send no referrer to other sites
# (URLs carry event ids and searches), and never show it in a frame (clickjacking).
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# One year, as browsers' preload lists expect; only ever sent over HTTPS in production.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def add_security_headers(response: Response) -> Response:
    """Set the headers a view did not set itself; HSTS in production over HTTPS."""
    # One pass over the few headers there are (each `setdefault` scans them and raises a
    # KeyError inside when the name is missing, which it nearly always is).
    present = set(response.headers.keys(lower=True))
    response.headers.extend(
        (name, value) for name, value in HEADERS.items() if name.lower() not in present
    )
    if "strict-transport-security" not in present and served_over_https():
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


def served_over_https() -> bool:
    """Whether this is production reached over HTTPS, directly or through a trusted proxy.

    `request.is_secure` follows `X-Forwarded-Proto` when `TRUSTED_PROXIES` is set (ProxyFix);
    `PREFERRED_URL_SCHEME` (https when `PUBLIC_BASE_URL` is) covers a proxy not declared.
    """
    config = current_app.config
    if not config["SETTINGS"].is_production:
        return False
    return request.is_secure or config.get("PREFERRED_URL_SCHEME") == "https"


def init_app(app: Flask) -> None:
    """Add the headers to every response of the app."""
    app.after_request(add_security_headers)
