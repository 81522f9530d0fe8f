"""The inbox of guest messages: `GET /api/v1/messages`."""

from app.api import bp  # noqa: F401 - routes are added by the inbound issue's work
