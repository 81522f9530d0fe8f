"""`POST /webhooks/twilio/inbound` and `POST /webhooks/twilio/status`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Response, abort, request
from flask.blueprints import BlueprintSetupState

from app.models.base import utcnow
from app.services.delivery import apply_status
from app.services.inbound import record_inbound
from app.services.spooled_answers import offline_reply
from app.services.webhook_forms import (
    FormError,
    Pairs,
    check_content_type,
    form_pairs,
    parse_inbound,
    parse_status,
)
from app.services.webhook_spool import Endpoint, SpoolUnavailable, store_or_spool
from app.webhooks import bp, signature
from app.webhooks.twiml import render

log = logging.getLogger(__name__)

# Twilio's largest messaging form (1,600 characters of any script, percent-encoded, plus ten
# media URLs) stays far below this; the app-wide limit is sized for CSV uploads.
MAX_WEBHOOK_BYTES = 64 * 1024
F = TypeVar("F")


@bp.record_once
def configure(state: BlueprintSetupState) -> None:
    """Load signing settings when the app is built."""
    signature.configure(state.app)


@bp.before_request
def limit_body() -> None:
    """Refuse webhook bodies larger than any Twilio sends (413) before reading them."""
    app_limit = request.max_content_length
    request.max_content_length = min(app_limit or MAX_WEBHOOK_BYTES, MAX_WEBHOOK_BYTES)


def signed_form(parse: Callable[[Pairs], F]) -> tuple[Pairs, F]:
    """Check the signature (403), the content type and the fields (400); return the form."""
    signature.require_signature()
    try:
        check_content_type(request.mimetype)
        pairs = form_pairs(request.form.items(multi=True))
        return pairs, parse(pairs)
    except FormError as error:
        abort(400, description=str(error))


def twiml(message: str | None, media_url: str | None = None) -> Response:
    """Answer with TwiML: one message (with an image: the guest's pass), or an empty
    `<Response/>` to say nothing."""
    return Response(render(message, media_url), mimetype="text/xml")


@bp.post("/inbound")
def inbound() -> Response:
    """Record a guest's message once, apply it, and confirm in the guest's language."""
    pairs, form = signed_form(parse_inbound)
    received_at = utcnow()
    try:
        outcome = store_or_spool(
            Endpoint.INBOUND, pairs, received_at, lambda: record_inbound(form, received_at)
        )
    except SpoolUnavailable:
        log.error("inbound %s not stored: PostgreSQL and Redis unavailable", form.message_sid)
        abort(503, description="storage unavailable; retry later")
    if outcome is None:
        return twiml(offline_reply(form))
    return twiml(outcome.reply, outcome.media_url)


@bp.post("/status")
def status() -> Response:
    """Store a delivery status callback and move the invitation's status forward."""
    pairs, form = signed_form(parse_status)
    received_at = utcnow()
    try:
        store_or_spool(Endpoint.STATUS, pairs, received_at, lambda: apply_status(form, received_at))
    except SpoolUnavailable:
        log.error("status %s not stored: PostgreSQL and Redis unavailable", form.message_sid)
        abort(503, description="storage unavailable; retry later")
    return twiml(None)
