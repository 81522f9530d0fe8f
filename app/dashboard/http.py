"""Blueprint-wide behaviour: setup per app, the login guard, headers, error pages, filters."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from app.dashboard import bp
from app.dashboard.auth import unauthorized, wants_json
from app.errors import json_error
from app.models import UserRole
from app.services import access, audit, audit_routes, two_factor
from app.services.audit import Actor
from app.services.campaigns import KIND_LABELS, STATE_LABELS, NotFoundError

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
    400: _l("The request could not be understood."),
    404: _l("There is nothing here. It may have been deleted, or the link is wrong."),
    405: _l("This page can't be used that way."),
    413: _l("The upload is too large. Split the file and import it in parts."),
    429: _l("Too many sign-in attempts. Wait a few minutes, then try again."),
}
# A role as the refusal names it, in the page's language.
ROLE_LABELS = {
    UserRole.OWNER: _l("owner"),
    UserRole.ORGANISER: _l("organiser"),
    UserRole.VIEWER: _l("viewer"),
    UserRole.DOOR: _l("door"),
}
# The error pages' titles in the page's language (else werkzeug's English name).
ERROR_TITLES = {
    400: _l("Bad Request"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    413: _l("Request Entity Too Large"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
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
    if wants_json():
        message = f"Your role ({role.value}) doesn't open this page. Ask an owner of the team."
        return jsonify(error="forbidden", message=message), 403
    message = _(
        "Your role (%(role)s) doesn't open this page. Ask an owner of the team.",
        role=ROLE_LABELS.get(role, role.value),
    )
    return render_template(
        "dashboard/error.html", code=403, title=_("Not for your role"), message=message
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
    message: object = FRIENDLY_MESSAGES.get(code, error.description)
    if isinstance(error, CSRFError):
        message = _(
            "This form has expired or did not come from the dashboard."
            " Go back, reload the page and try again."
        )
    elif code == 413 and request.endpoint == "dashboard.message_edit":
        message = _("The image is far too large: WhatsApp takes a JPEG or PNG of up to 5 MB.")
    elif code in (400, 404) and error.description and error.description != type(error).description:
        message = error.description
    title = ERROR_TITLES.get(code, error.name)
    return render_template("dashboard/error.html", code=code, title=title, message=message), code


@bp.errorhandler(NotFoundError)
def missing(error: NotFoundError) -> ResponseReturnValue:
    """An unknown event, campaign or guest is a 404 page."""
    return http_error(NotFound(str(error).capitalize() + "."))


def page_locale() -> Locale:
    """The page's locale (English outside a request)."""
    return get_locale() or Locale("en")


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """Format a timestamp in UTC (the page's script shows it in the reader's time zone)."""
    if value is None:
        return "—"
    return format_datetime(
        value.astimezone(UTC), "dd MMM y, HH:mm 'UTC'", tzinfo=UTC, locale=page_locale()
    )


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
        return _("%(seconds)s s", seconds=thousands(seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)s min", minutes=thousands(minutes))
    hours, minutes = divmod(minutes, 60)
    if minutes:
        return _("%(hours)s h %(minutes)s min", hours=thousands(hours), minutes=minutes)
    return _("%(hours)s h", hours=thousands(hours))


def plural_count(value: float) -> int:
    """The number that picks a plural form: a whole number as is, a fraction as many."""
    return int(value) if float(value).is_integer() else 100


# Each noun `counted` says, its number (`count`, in the page's digits) and noun as one
# message per language; a noun missing here is said in English.
COUNTED_NOUNS: dict[str, Callable[[int, str], str]] = {
    "guest": lambda n, count: ngettext("%(count)s guest", "%(count)s guests", n, count=count),
    "invited guest": lambda n, count: ngettext(
        "%(count)s invited guest", "%(count)s invited guests", n, count=count
    ),
    "person": lambda n, count: ngettext("%(count)s person", "%(count)s people", n, count=count),
    "seat": lambda n, count: ngettext("%(count)s seat", "%(count)s seats", n, count=count),
    "message": lambda n, count: ngettext("%(count)s message", "%(count)s messages", n, count=count),
    "campaign": lambda n, count: ngettext(
        "%(count)s campaign", "%(count)s campaigns", n, count=count
    ),
    "invitation": lambda n, count: ngettext(
        "%(count)s invitation", "%(count)s invitations", n, count=count
    ),
    "failed invitation": lambda n, count: ngettext(
        "%(count)s failed invitation", "%(count)s failed invitations", n, count=count
    ),
    "answer": lambda n, count: ngettext("%(count)s answer", "%(count)s answers", n, count=count),
    "day": lambda n, count: ngettext("%(count)s day", "%(count)s days", n, count=count),
    "reminder": lambda n, count: ngettext(
        "%(count)s reminder", "%(count)s reminders", n, count=count
    ),
    "follow-up": lambda n, count: ngettext(
        "%(count)s follow-up", "%(count)s follow-ups", n, count=count
    ),
    "thank-you": lambda n, count: ngettext(
        "%(count)s thank-you", "%(count)s thank-yous", n, count=count
    ),
    "missed-you": lambda n, count: ngettext(
        "%(count)s missed-you", "%(count)s missed-yous", n, count=count
    ),
    "cancellation message": lambda n, count: ngettext(
        "%(count)s cancellation message", "%(count)s cancellation messages", n, count=count
    ),
}


# A number of each plural category of CLDR (`Intl.PluralRules` in the browser).
PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


@bp.app_template_global("counted_forms")
def counted_forms(noun: str) -> str:
    """`counted`'s text for each plural category of the page's language, `{count}` for the
    number (JSON, for the script that updates a count)."""
    say = COUNTED_NOUNS[noun]
    return json.dumps(
        {category: say(n, "{count}") for category, n in PLURAL_SAMPLES.items()},
        ensure_ascii=False,
    )


@bp.app_template_filter("counted")
def counted(value: float, noun: str, plural: str | None = None) -> str:
    """A number and its noun, singular for one: `1 guest`, `1,204 guests`, `1.5 days`, in the
    page's language (`COUNTED_NOUNS`)."""
    number = thousands(value)
    say = COUNTED_NOUNS.get(noun)
    if say is not None:
        return say(plural_count(value), number)
    return f"{number} {noun if value == 1 else plural or noun + 's'}"


@bp.app_template_filter("after_delivery")
def after_delivery(seconds: float | None) -> str:
    """A follow-up's delay as it was entered, in days (`1 day`, `2.5 days`), or `duration`."""
    if seconds is None or seconds < DAY_SECONDS:
        return duration(seconds)
    return counted(round(seconds / DAY_SECONDS, 2), "day")


@bp.app_template_filter("thousands")
def thousands(value: int | float | None) -> str:
    """Group digits as the page's language does: 12,345 (English), 12.345 (Spanish)."""
    return "—" if value is None else format_decimal(value, locale=page_locale())


@bp.app_template_filter("share")
def share(percent: float) -> str:
    """A share already in percent (0 to 100), whole, as the page's language writes it."""
    return format_percent(percent / 100, "#,##0%", locale=page_locale())


@bp.app_template_filter("percent")
def percent(part: float, whole: float) -> str:
    """`part` as a percentage of `whole`, said as everywhere else (`percent_text`: whole
    percent, one decimal only near 0 and 100), in the page's language."""
    if not whole or part <= 0:
        return format_percent(0, "#,##0%", locale=page_locale())
    if part >= whole:
        return format_percent(1, "#,##0%", locale=page_locale())
    value = 100 * part / whole
    if value < 1 or value > 99:
        return format_percent(min(max(value, 0.1), 99.9) / 100, "#,##0.0%", locale=page_locale())
    return format_percent(round(value) / 100, "#,##0%", locale=page_locale())


@bp.app_context_processor
def page_globals() -> dict[str, Any]:
    """Values every dashboard template can use."""
    settings = current_app.config["SETTINGS"]
    return {
        "environment": settings.env.value,
        "kind_labels": KIND_LABELS,
        "state_labels": STATE_LABELS,
        "can": can,
    }


def can(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user's role opens the endpoint (for links and buttons)."""
    role = current_user.role if current_user.is_authenticated else None
    return access.can_open(endpoint, role, method)
