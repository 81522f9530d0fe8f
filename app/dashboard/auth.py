"""Sign in and out: Flask-Login sessions, a rate-limited login form and safe `next` redirects.

The limits, and how an attempt is reserved before its password is checked, are in
`app.dashboard.login_limits`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import Unauthorized

from app.dashboard import bp
from app.dashboard.forms import LoginForm
from app.dashboard.login_limits import limit_sign_ins, refund_attempt, remember_address
from app.dashboard.team_forms import CodeForm
from app.errors import json_error
from app.extensions import login_manager
from app.i18n import SESSION_KEY
from app.models import User
from app.services import audit, two_factor, users
from app.services.audit import Actor

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = _l("Invalid email or password.")
INVALID_CODE = _l("That code is not right, or was used already. Try the next one.")
PENDING_SIGN_IN = "pending_sign_in"
# How long the second factor may follow the password.
CODE_WAIT = timedelta(minutes=5)
MAX_NEXT_LENGTH = 2000


def init_auth(app: Flask) -> None:
    """Wire Flask-Login to the users service and rate-limit the app's sign-in form.

    Runs when the blueprint is registered, after its routes (see `setup` at the bottom).
    """
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=14))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    login_manager.login_view = "dashboard.login"
    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(unauthorized)
    app.view_functions["dashboard.login"] = limit_sign_ins(app, login)


def wants_json() -> bool:
    """Whether the client asked for JSON (the dashboard's `.json` endpoints and fetch calls)."""
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def unauthorized() -> ResponseReturnValue:
    """401 JSON for the JSON endpoints; otherwise the login page, coming back here after."""
    if wants_json():
        return json_error(Unauthorized("sign in to the dashboard first"))
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("dashboard.login", next=target))


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the events page (no open redirect)."""
    fallback = url_for("dashboard.events_page")
    if not target or len(target) > MAX_NEXT_LENGTH or not target.isprintable():
        return fallback
    # Browsers read `\` as `/`, so `/\evil.example` would leave the site like `//evil.example`.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session (see `users.load_user`)."""
    return users.load_user(session_id, current_app.config["REMEMBER_COOKIE_DURATION"])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; sign in with a fresh session and go to `next`.

    `init_auth` wraps this view in the app's rate limits, which reserve the attempt before
    it runs; signing in gives the reservation back. A user with two-factor sign-in then
    posts their code to this same view (`second_factor`), so the limits count codes too.
    """
    if current_user.is_authenticated:
        refund_attempt()  # a POST from a signed-in browser is no failed attempt
        return redirect(safe_next(request.args.get("next")))
    if request.method == "POST" and "code" in request.form:
        return second_factor()
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("dashboard/login.html", form=form)
    user = users.authenticate(form.email.data or "", form.password.data or "")
    if user is None:
        log.info("refused a dashboard sign-in")
        form.password.data = ""
        return render_template("dashboard/login.html", form=form, error=INVALID_CREDENTIALS)
    refund_attempt()
    if user.totp_secret is not None:
        return ask_for_code(user, bool(form.remember.data), form.next.data or "")
    return signed_in(user, bool(form.remember.data), form.next.data)


def ask_for_code(user: User, remember: bool, next_page: str) -> ResponseReturnValue:
    """The password was right: ask for the second factor (for a few minutes)."""
    session.clear()
    session[PENDING_SIGN_IN] = {"id": user.get_id(), "remember": remember, "next": next_page}
    return render_template("dashboard/login_code.html", form=CodeForm(email=user.email))


def second_factor() -> ResponseReturnValue:
    """Check the code of a sign-in whose password was right, then sign in."""
    pending = session.get(PENDING_SIGN_IN) or {}
    user = users.load_user(str(pending.get("id", "")), CODE_WAIT)
    form = CodeForm()
    if user is None or (form.email.data or "") != user.email:
        session.pop(PENDING_SIGN_IN, None)
        flash(_("Sign in again: the code must follow the password within 5 minutes."), "error")
        return redirect(url_for("dashboard.login"))
    if not form.validate_on_submit() or not two_factor.verify(user, form.code.data or ""):
        log.info("refused a dashboard second factor")
        return render_template("dashboard/login_code.html", form=form, error=INVALID_CODE)
    refund_attempt()
    return signed_in(user, bool(pending.get("remember")), pending.get("next"))


def signed_in(user: User, remember: bool, next_page: str | None) -> ResponseReturnValue:
    """Open a fresh session for the user and go on to `next`."""
    # A new session: nothing set before signing in (e.g. by someone who planted the cookie)
    # survives into the signed-in one but the language chosen on the sign-in page.
    language = session.get(SESSION_KEY)
    session.clear()
    if language is not None:
        session[SESSION_KEY] = language
    login_user(user, remember=remember)
    users.record_login(user)
    audit.record("sign_in", actor=Actor(user.email, "dashboard", user.id, user.role))
    remember_address(user.email)
    return redirect(safe_next(next_page))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: end the user's sessions and remember cookies (a POST form with a CSRF token,
    so another site can't sign you out)."""
    return end_sessions(_("You are signed out."))


@bp.post("/logout/everywhere")
def logout_everywhere() -> ResponseReturnValue:
    """Sign out of every browser and device this account is signed in on."""
    return end_sessions(_("You are signed out on every browser and device."))


def end_sessions(message: str) -> ResponseReturnValue:
    """Rotate the user's session version, then drop this session and its remember cookie."""
    # The sign-in page that follows speaks the language the user chose, as the message does.
    language = getattr(current_user, "language", None) or session.get(SESSION_KEY)
    if current_user.is_authenticated:
        users.end_sessions(cast(User, current_user._get_current_object()))
    # Clear first: `logout_user` then leaves its request to delete the remember cookie.
    session.clear()
    logout_user()
    if language is not None:
        session[SESSION_KEY] = language
    flash(message, "info")
    return redirect(url_for("dashboard.login"))


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    """Configure sign-in for the app the blueprint joins (its routes are registered by now)."""
    init_auth(cast(Flask, state.app))
