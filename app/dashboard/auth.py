"""Sign in and out: Flask-Login sessions, a rate-limited login form and safe `next` redirects.

Failed sign-ins are limited in Redis, so that every gunicorn worker shares the count (and in
process memory while Redis is unreachable); successful ones don't count. Three limits, each
a ladder of windows so that a patient guesser waits longer and longer (the backoff):

- per client IP, whatever the email: 10 a minute, 50 an hour;
- per email from one IP: 5 a minute, 20 an hour, 50 a day;
- per email from everywhere (a ceiling against guessing from many addresses): 10 a minute,
  100 a day, that only counts and stops addresses that never signed in to that account, so
  that an attack from elsewhere never locks the owner out of their usual address.

Each app gets a limiter of its own when the blueprint is registered (`setup`), so no limiter
state is shared between apps.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
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
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from redis import RedisError
from werkzeug.exceptions import Unauthorized

from app.dashboard import bp
from app.dashboard.forms import LoginForm
from app.errors import json_error
from app.extensions import login_manager, redis_store
from app.models import User
from app.services import users

log = logging.getLogger(__name__)

LOGIN_LIMIT_PER_IP = "10 per minute; 50 per hour"
LOGIN_LIMIT_PER_EMAIL_IP = "5 per minute; 20 per hour; 50 per day"
LOGIN_LIMIT_PER_EMAIL = "10 per minute; 100 per day"
# An address that signed in to an account is "usual" for it this long after its last success.
KNOWN_ADDRESS_DAYS = 90
INVALID_CREDENTIALS = "Invalid email or password."
MAX_NEXT_LENGTH = 2000

LIMITER_EXTENSION = "dashboard_limiter"


def init_auth(app: Flask) -> None:
    """Wire Flask-Login to the users service and rate-limit the app's sign-in form.

    Runs when the blueprint is registered, after its routes (see `setup` at the bottom).
    """
    settings = app.config["SETTINGS"]
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_IP", LOGIN_LIMIT_PER_IP)
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_EMAIL_IP", LOGIN_LIMIT_PER_EMAIL_IP)
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_EMAIL", LOGIN_LIMIT_PER_EMAIL)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=14))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url)
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 5, "socket_connect_timeout": 5}
    )
    login_manager.login_view = "dashboard.login"
    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(unauthorized)
    limiter = Limiter(
        key_func=get_remote_address,
        key_prefix="dashboard",
        strategy="moving-window",
        headers_enabled=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    scope_hooks_to_dashboard(app, limiter)
    app.extensions[LIMITER_EXTENSION] = limiter
    per_address = limiter.limit(per_ip_limit, methods=["POST"], deduct_when=failed_sign_in)
    per_email_and_address = limiter.limit(
        per_email_ip_limit,
        key_func=attempted_email_and_address,
        methods=["POST"],
        deduct_when=failed_sign_in,
    )
    per_email = limiter.limit(
        per_email_limit,
        key_func=attempted_email,
        methods=["POST"],
        deduct_when=failed_sign_in,
        exempt_when=from_a_known_address,
    )
    app.view_functions["dashboard.login"] = per_address(per_email_and_address(per_email(login)))


def scope_hooks_to_dashboard(app: Flask, limiter: Limiter) -> None:
    """Run the limiter's request hooks for dashboard requests only.

    `Limiter.init_app` hooks every request of the app; webhooks and the API have no limits
    here and shouldn't pay for them. A hook not recognised stays app-wide (still correct).
    """

    def installed_by_limiter(hook: Any) -> bool:
        owner = hook.args[0] if isinstance(hook, partial) and hook.args else None
        return getattr(hook, "__self__", owner) is limiter

    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks: list[Any] = list(registry.get(None, []))
        moved = [hook for hook in hooks if installed_by_limiter(hook)]
        registry[None] = [hook for hook in hooks if hook not in moved]
        registry.setdefault(bp.name, []).extend(moved)


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


def attempted_email() -> str:
    """The rate-limit key of the email a sign-in is for (hashed: no email in Redis keys)."""
    return "email:" + email_digest(request.form.get("email", "")[:254])


def attempted_email_and_address() -> str:
    """The rate-limit key of the email a sign-in is for, from this client IP."""
    return f"email-ip:{get_remote_address()}:{attempted_email()}"


def email_digest(email: str) -> str:
    """A normalised email's SHA-256, for Redis keys (which must not hold the address)."""
    return hashlib.sha256(users.normalize_email(email).encode()).hexdigest()


def known_addresses_key(email: str) -> str:
    """The Redis set of client IPs that signed in to this email (hashed: no email in keys)."""
    return f"dashboard:known-addresses:{email_digest(email)}"


def remember_address(email: str) -> None:
    """Record the client IP as usual for the account (best effort: Redis may be down)."""
    key = known_addresses_key(email)
    try:
        with redis_store.connection.pipeline() as pipe:
            pipe.sadd(key, get_remote_address())
            pipe.expire(key, timedelta(days=KNOWN_ADDRESS_DAYS))
            pipe.execute()
    except RedisError:
        log.warning("could not record a usual sign-in address (Redis unavailable)")


def from_a_known_address() -> bool:
    """Whether this client IP signed in to the attempted email before (exempt from its ceiling)."""
    key = known_addresses_key(request.form.get("email", "")[:254])
    try:
        return bool(redis_store.connection.sismember(key, get_remote_address()))
    except RedisError:
        return False


def failed_sign_in(response: Response) -> bool:
    """Whether the response is a refused sign-in (success is a redirect)."""
    return response.status_code != 302


def per_ip_limit() -> str:
    """The configured limit of failed sign-ins per client IP."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_IP"])


def per_email_ip_limit() -> str:
    """The configured limit of failed sign-ins per email address from one client IP."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_EMAIL_IP"])


def per_email_limit() -> str:
    """The configured ceiling of failed sign-ins per email address from unknown IPs."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_EMAIL"])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; sign in with a fresh session and go to `next`.

    `init_auth` wraps this view in the app's rate limits.
    """
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
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
    # A new session: nothing set before signing in (e.g. by someone who planted the cookie)
    # survives into the signed-in one.
    session.clear()
    login_user(user, remember=bool(form.remember.data))
    users.record_login(user)
    remember_address(user.email)
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: end the user's sessions and remember cookies (a POST form with a CSRF token,
    so another site can't sign you out)."""
    return end_sessions("You are signed out.")


@bp.post("/logout/everywhere")
def logout_everywhere() -> ResponseReturnValue:
    """Sign out of every browser and device this account is signed in on."""
    return end_sessions("You are signed out on every browser and device.")


def end_sessions(message: str) -> ResponseReturnValue:
    """Rotate the user's session version, then drop this session and its remember cookie."""
    if current_user.is_authenticated:
        users.end_sessions(cast(User, current_user._get_current_object()))
    # Clear first: `logout_user` then leaves its request to delete the remember cookie.
    session.clear()
    logout_user()
    flash(message, "info")
    return redirect(url_for("dashboard.login"))


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    """Configure sign-in for the app the blueprint joins (its routes are registered by now)."""
    init_auth(cast(Flask, state.app))
