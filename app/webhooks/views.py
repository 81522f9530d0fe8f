"""`POST /webhooks/twilio/inbound` and `POST /webhooks/twilio/status`."""

from app.webhooks import bp  # noqa: F401
