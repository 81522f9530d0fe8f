"""Blueprint-wide behaviour: setup per app, the login guard, headers, error pages, filters."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from app.dashboard import bp
from app.dashboard.auth import unauthorized, wants_json
from app.errors import json_error
from app.models import UserRole
from app.services import access, audit, audit_routes, two_factor
from app.services.audit import Actor
from app.services.campaigns import KIND_LABELS, NotFoundError
from app.services.estimates import percent_text

log = logging.getLogger(__name__)

# Everything the pages load comes from this origin; charts are inline SVG, never scripts.
SECOND_FACTOR_SETUP = frozenset(
    {
        "dashboard.two_factor_page",
        "dashboard.enable_two_factor",
        "dashboard.logout",
        "dashboard.logout_everywhere",
    }
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
DAY_SECONDS = 86400
FRIENDLY_MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing here. It may have been deleted, or the link is wrong.",
    405: "This page can't be used that way.",
    413: "The upload is too large. Split the file and import it in parts.",
    429: "Too many sign-in attempts. Wait a few minutes, then try again.",
}


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """Send visitors who are not signed in to the login page (401 JSON for JSON endpoints),
    and refuse what the user's role doesn't open (`app.services.access`)."""
    rule = access.rule_for(request.endpoint)
    if rule is not None and rule.level_for(request.method).public:
        return None
    if not current_user.is_authenticated:
        return unauthorized()
    role = current_user.role
    audit.act_as(Actor(current_user.email, "dashboard", current_user.id, role))
    if not access.allows(rule, request.method, role):
        return refused(role)
    if needs_second_factor():
        return redirect(url_for("dashboard.two_factor_page"))
    audit_routes.before(request)
    return None


def needs_second_factor() -> bool:
    """Whether the service requires a second factor the user hasn't enabled yet (then only
    its page and signing out open)."""
    if request.endpoint in SECOND_FACTOR_SETUP or current_user.totp_secret is not None:
        return False
    return two_factor.required_for(current_user)


def refused(role: UserRole) -> ResponseReturnValue:
    """What a user sees of a page their role doesn't open: the door's own list for door
    staff at the dashboard's front page, else a 403 page (or JSON)."""
    if role is UserRole.DOOR and request.endpoint == "dashboard.events_page":
        return redirect(url_for("dashboard.door_events"))
    message = f"Your role ({role.value}) doesn't open this page. Ask an owner of the team."
    if wants_json():
        return jsonify(error="forbidden", message=message), 403
    return render_template(
        "dashboard/error.html", code=403, title="Not for your role", message=message
    ), 403


@bp.after_request
def record_change(response: Response) -> Response:
    """Write a successful change to the audit trail."""
    audit_routes.after(request, response)
    return response


@bp.after_request
def add_security_headers(response: Response) -> Response:
    """Keep signed-in pages out of caches and foreign scripts (`app.headers` adds the rest)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint != "dashboard.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    """Answer errors as a page (or JSON for the JSON endpoints)."""
    code = error.code or 500
    if wants_json():
        return json_error(error)
    message = FRIENDLY_MESSAGES.get(code, error.description)
    if isinstance(error, CSRFError):
        message = (
            "This form has expired or did not come from the dashboard."
            " Go back, reload the page and try again."
        )
    elif code == 413 and request.endpoint == "dashboard.message_edit":
        message = "The image is far too large: WhatsApp takes a JPEG or PNG of up to 5 MB."
    elif code in (400, 404) and error.description and error.description != type(error).description:
        message = error.description
    return render_template(
        "dashboard/error.html", code=code, title=error.name, message=message
    ), code


@bp.errorhandler(NotFoundError)
def missing(error: NotFoundError) -> ResponseReturnValue:
    """An unknown event, campaign or guest is a 404 page."""
    return http_error(NotFound(str(error).capitalize() + "."))


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """Format a timestamp in UTC (the page's script shows it in the reader's time zone)."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


@bp.app_template_filter("iso")
def iso(value: datetime | None) -> str:
    """ISO 8601 in UTC, for `<time datetime>`."""
    return value.astimezone(UTC).isoformat() if value is not None else ""


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """Say a number of seconds the way people do: `45 s`, `12 min`, `3 h 20 min`."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@bp.app_template_filter("counted")
def counted(value: float, noun: str, plural: str | None = None) -> str:
    """A number and its noun, singular for one: `1 guest`, `1,204 guests`, `1.5 days`."""
    number = f"{value:,}" if isinstance(value, int) else f"{value:,g}"
    return f"{number} {noun if value == 1 else plural or noun + 's'}"


@bp.app_template_filter("after_delivery")
def after_delivery(seconds: float | None) -> str:
    """A follow-up's delay as it was entered, in days (`1 day`, `2.5 days`), or `duration`."""
    if seconds is None or seconds < DAY_SECONDS:
        return duration(seconds)
    return counted(round(seconds / DAY_SECONDS, 2), "day")


@bp.app_template_filter("thousands")
def thousands(value: int | float | None) -> str:
    """Group digits: 12,345."""
    return "—" if value is None else f"{value:,}"


@bp.app_template_filter("percent")
def percent(part: float, whole: float) -> str:
    """`part` as a percentage of `whole`, said as everywhere else (`percent_text`)."""
    return percent_text(part, whole)


@bp.app_context_processor
def page_globals() -> dict[str, Any]:
    """Values every dashboard template can use."""
    settings = current_app.config["SETTINGS"]
    return {"environment": settings.env.value, "kind_labels": KIND_LABELS, "can": can}


def can(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user's role opens the endpoint (for links and buttons)."""
    role = current_user.role if current_user.is_authenticated else None
    return access.can_open(endpoint, role, method)
