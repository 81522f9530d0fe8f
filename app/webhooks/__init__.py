"""Twilio webhooks: guest messages and delivery status callbacks."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")

from app.webhooks import views  # noqa: E402, F401
