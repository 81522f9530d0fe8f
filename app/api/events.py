"""Events and their guests: create, import, list, stats."""

from app.api import bp  # noqa: F401 - routes are added by the inbound issue's work
