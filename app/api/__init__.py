"""The JSON API under `/api/v1`, authenticated with `Authorization: Bearer <token>`.

The token is the deploy's `API_TOKEN` (an owner) or a user's own (`app.services.tokens`);
what each endpoint needs is in `app.services.access`, and a refusal is a 403
`{"error": "forbidden"}`. Successful changes are written to the audit trail.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, Unauthorized

from app.errors import json_error
from app.services import access, audit, audit_routes, tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    """Reject requests without a live bearer token (fails closed when none is configured),
    and those the token's role doesn't allow."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    actor = None
    if scheme.lower() == "bearer" and presented:
        actor = tokens.bearer_actor(presented, current_app.config["SETTINGS"].api_token)
    if actor is None:
        raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")
    audit.act_as(actor)
    if not access.allows(
        access.rule_for(request.endpoint), request.method, actor.role, actor.read_only
    ):
        return forbidden(actor)
    audit_routes.before(request)
    return None


def forbidden(actor: audit.Actor) -> tuple[Response, int]:
    """The refusal of a call the token may not make."""
    scope = "a read-only token" if actor.read_only else f"the {actor.role} role"
    return jsonify(error="forbidden", message=f"{scope} can't make this call"), 403


@bp.after_request
def record_change(response: Response) -> Response:
    """Write a successful change to the audit trail."""
    audit_routes.after(request, response)
    return response


bp.register_error_handler(HTTPException, json_error)  # every API error as JSON


# Each concern's routes register themselves on `bp`.
from app.api import (  # noqa: E402, F401
    approvals,
    audit_log,
    campaigns,
    changes,
    checkins,
    edits,
    events,
    messages,
    questions,
)
