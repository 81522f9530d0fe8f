"""Cookie sessions for the dashboard only: machine endpoints never open or set one.

Twilio's webhooks, the API (bearer token), health checks and metrics have no use for a
session; skipping it saves each webhook the cookie parsing and signing, and keeps
`Set-Cookie` and `Vary: Cookie` off their answers.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

SESSIONLESS_PREFIXES = ("/webhooks/", "/api/", "/health", "/ready", "/metrics")


class DashboardSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except on the paths that never use them."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """No session (Flask's read-only null session) on machine endpoints."""
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None
        return super().open_session(app, request)
