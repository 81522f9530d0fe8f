"""Sign-in limits: each attempt is reserved before its password is checked, refunded on success.

Attempts are counted in Redis, so that every gunicorn worker shares the count (and in process
memory while Redis is unreachable). Each limit takes its count before the view runs, in one
atomic script, so requests in flight together cannot all pass the check: of N sent at once,
at most the limit get their password checked. A successful sign-in gives its reservation
back, so that only failures (and refusals) use up the limits. Three limits, each a ladder of
windows so that a patient guesser waits longer and longer (the backoff):

- per client IP, whatever the email: 10 a minute, 50 an hour;
- per email from one IP: 5 a minute, 20 an hour, 50 a day;
- per email from everywhere (a ceiling against guessing from many addresses): 10 a minute,
  100 a day, that only counts and stops addresses that never signed in to that account, so
  that an attack from elsewhere never locks the owner out of their usual address.

A worker serves a few sign-in requests at a time (`SignInGate`), and hashes one password at
a time off its event loop (`users.authenticate`), so that a burst of sign-ins never holds up
the webhooks the same worker serves.

Each app gets a limiter of its own (`limit_sign_ins`), so no limiter state is shared between
apps.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage, RedisStorage, Storage
from redis import Redis, RedisError

from app.dashboard import bp
from app.extensions import redis_store
from app.services import users

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

LOGIN_LIMIT_PER_IP = "10 per minute; 50 per hour"
LOGIN_LIMIT_PER_EMAIL_IP = "5 per minute; 20 per hour; 50 per day"
LOGIN_LIMIT_PER_EMAIL = "10 per minute; 100 per day"
# An address that signed in to an account is "usual" for it this long after its last success.
KNOWN_ADDRESS_DAYS = 90

LIMITER_EXTENSION = "dashboard_limiter"
# Sign-in POSTs a worker serves at once; the others wait for a slot, idle. 100 at once, each
# a few Redis round trips, filled the event loop's run queue: webhooks arriving meanwhile
# waited up to 210 ms (10 ms once the wave had passed). Each also holds a database
# connection while its password is hashed: 4 leave the rest of the pool to the pages.
SIGN_IN_CONCURRENCY = 4

View = Callable[..., ResponseReturnValue]


def limit_sign_ins(app: Flask, view: View) -> View:
    """Give the app its sign-in limiter; return `view` with its POSTs reserved in the limits."""
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_IP", LOGIN_LIMIT_PER_IP)
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_EMAIL_IP", LOGIN_LIMIT_PER_EMAIL_IP)
    app.config.setdefault("DASHBOARD_LOGIN_LIMIT_PER_EMAIL", LOGIN_LIMIT_PER_EMAIL)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["SETTINGS"].redis_url)
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 5, "socket_connect_timeout": 5}
    )
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
    gate_sign_ins(app)
    # No `deduct_when`: each limit is hit (reserved) before the view, in one atomic script.
    per_address = limiter.limit(per_ip_limit, methods=["POST"])
    per_email_and_address = limiter.limit(
        per_email_ip_limit, key_func=attempted_email_and_address, methods=["POST"]
    )
    per_email = limiter.limit(
        per_email_limit,
        key_func=attempted_email,
        methods=["POST"],
        exempt_when=from_a_known_address,
    )
    return per_address(per_email_and_address(per_email(view)))


def gate_sign_ins(app: Flask) -> None:
    """Serve at most `SIGN_IN_CONCURRENCY` sign-in POSTs of this app at once."""
    path = next(app.url_map.iter_rules("dashboard.login")).rule
    gate = SignInGate(app.wsgi_app, path, SIGN_IN_CONCURRENCY)
    app.wsgi_app = gate  # type: ignore[method-assign]


class SignInGate:
    """WSGI middleware: at most `concurrency` sign-in POSTs run at once; the rest wait in turn."""

    def __init__(self, wsgi_app: WSGIApplication, path: str, concurrency: int) -> None:
        self.wsgi_app = wsgi_app
        self.path = path
        # Made when the app is built, in the web worker after gevent has patched `threading`.
        self.slots = threading.BoundedSemaphore(concurrency)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve a sign-in POST inside a slot (its whole answer), anything else at once."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self.wsgi_app(environ, start_response)
        with self.slots:
            answer = self.wsgi_app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                if hasattr(answer, "close"):
                    answer.close()


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


def refund_attempt() -> None:
    """Give back what this request reserved in each limit (a sign-in that succeeded).

    Best effort: if Redis fails here, the attempt stays counted, as a failure would.
    """
    limiter: Limiter = current_app.extensions[LIMITER_EXTENSION]
    storage = limiter.limiter.storage
    for reserved in limiter.current_limits:
        if reserved.breached:
            continue  # refused: nothing was taken from this one
        try:
            remove_newest_entry(storage, reserved.key)
        except RedisError:
            log.warning("could not refund a sign-in attempt (Redis unavailable)")
            return


def remove_newest_entry(storage: Storage, key: str) -> None:
    """Remove the newest entry of a moving window (one attempt: ours, or one taken after it).

    `limits` (5.x) has no refund, so this reads the layout of its moving windows: in Redis
    a list of timestamps, newest first (its `acquire_moving_window.lua` LPUSHes them), and
    in memory a list of entries, newest first, under a per-key lock. Either way the count
    of the window drops by one, atomically. `tests/dashboard/test_login_limits.py` fails
    if a new `limits` moves them.
    """
    if isinstance(storage, RedisStorage):
        connection = cast(Redis, storage.get_connection())
        connection.lpop(storage.prefixed_key(key))
    elif isinstance(storage, MemoryStorage):
        with storage.locks[key]:
            entries = storage.events.get(key)
            if entries:
                del entries[0]
    else:
        raise TypeError(f"no refund for {type(storage).__name__} storage")


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


def per_ip_limit() -> str:
    """The configured limit of sign-in attempts per client IP."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_IP"])


def per_email_ip_limit() -> str:
    """The configured limit of sign-in attempts per email address from one client IP."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_EMAIL_IP"])


def per_email_limit() -> str:
    """The configured ceiling of sign-in attempts per email address from unknown IPs."""
    return str(current_app.config["DASHBOARD_LOGIN_LIMIT_PER_EMAIL"])
