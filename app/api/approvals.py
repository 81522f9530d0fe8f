"""Approval before sending (`APPROVAL_ABOVE`; `app.services.approvals`).

- `POST /api/v1/events/<id>/campaigns` by an organiser, to more guests than the setting:
  202 `{"approval": {...}, "preflight": {...}}` and no campaign yet.
- `GET /api/v1/approvals?state=pending` → `{"approvals": [...]}`, newest first;
  `GET /api/v1/approvals/<id>` → one, with `sample` (the first guests: `name`, `phone`).
- `POST /api/v1/approvals/<id>/approve` `{"note"?}` (owners) → 201 with the campaign,
  created once (a second approval is a 409); 409 when the event or its guests changed since
  it was submitted (the request turns `stale`: submit again).
- `POST /api/v1/approvals/<id>/reject` `{"note"?}` (owners) → the request, `rejected`.
"""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.campaigns import created
from app.api.validation import optional_json_object, optional_text, query_choices
from app.services import approvals, audit, campaigns
from app.services.approvals import NOTE_MAX_LENGTH


@bp.get("/approvals")
def list_approvals() -> Response:
    """Requests to send, newest first (`?state=pending` for those waiting)."""
    pending = query_choices("state", ("pending",)) == ["pending"]
    found = approvals.listing(pending_only=pending)
    return jsonify(approvals=[approvals.as_json(request) for request in found])


@bp.get("/approvals/<int:approval_id>")
def get_approval(approval_id: int) -> Response:
    """One request, with the first guests it goes to."""
    request = approvals.get(approval_id)
    sample = [{"name": n, "phone": p} for n, p in approvals.sample(request.event_id)]
    return jsonify({**approvals.as_json(request), "sample": sample})


@bp.post("/approvals/<int:approval_id>/approve")
def approve(approval_id: int) -> tuple[Response, int, dict[str, str]]:
    """Approve: the campaign is created (started, or scheduled for its time), once."""
    campaign = approvals.approve(approval_id, note(), audit.current_actor())
    return created(campaign, campaigns.preflight(campaign.event_id))


@bp.post("/approvals/<int:approval_id>/reject")
def reject(approval_id: int) -> Response:
    """Reject, with a note."""
    return jsonify(approvals.as_json(approvals.reject(approval_id, note(), audit.current_actor())))


def note() -> str | None:
    """The decision's note, from an optional body."""
    body = optional_json_object(("note",))
    return optional_text(body, "note", NOTE_MAX_LENGTH) if body else None
