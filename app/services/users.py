"""Dashboard users: create or update the admin, check a sign-in, load a session's user."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import User, UserRole
from app.models.base import utcnow
from app.services.events import MAX_ID

log = logging.getLogger(__name__)

T = TypeVar("T")

# Password checks run in a pool of their own in each web worker (see `off_the_event_loop`).
HASHING_POOL = "password_hashing"
HASHING_THREADS = 1
HASHING_NICENESS = 10

MIN_PASSWORD_LENGTH = 8
# Longer inputs are refused before hashing: scrypt's cost grows with them.
MAX_PASSWORD_LENGTH = 1024
# Checked when the email is unknown, so that a miss costs as much CPU as a wrong password
# and response times don't tell which emails have accounts (scrypt of a random string).
UNKNOWN_USER_HASH = (
    "scrypt:32768:8:1$96EmTvwSGItwZbWJ$a977c1eb195c24390db60466262371fa79042786aef493e9fd61ae0392"
    "195b8af371528584c61e7c4782c576f741accab95f770ca8cc54fbd66f6ccded58cc07"
)


class WeakPassword(ValueError):
    """The password is too short (or too long) to be set."""


def normalize_email(email: str) -> str:
    """Return the email as stored and compared: trimmed, lower case."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


# A session signed in a little "in the future" is another server's clock, not a forgery.
CLOCK_SKEW = 60


def load_user(session_id: str, max_age: timedelta) -> User | None:
    """Return the active user of a session or remember cookie, or None once it has ended.

    `session_id` is what `User.get_id` gave at sign-in. It has ended when it is malformed,
    when the user's session version was rotated since (sign-out, new password), or when it
    was signed in more than `max_age` ago, whatever the cookie's own expiry says.
    """
    try:
        number, version, started = (int(part) for part in session_id.split("."))
    except ValueError:
        return None
    if not 0 < number <= MAX_ID:
        return None
    if not -CLOCK_SKEW <= time.time() - started <= max_age.total_seconds():
        return None
    user = db.session.get(User, number)
    if user is None or not user.active or user.session_version != version:
        return None
    user.session_started = started
    return user


def end_sessions(user: User) -> None:
    """Sign the user out of every browser: each session and remember cookie stops working."""
    user.end_sessions()
    db.session.commit()
    log.info("dashboard user %s: every session ended", user.id)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user whose email and password match, else None.

    Unknown emails, wrong passwords and disabled accounts are indistinguishable, in the
    answer and (as far as the hash goes) in time.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = find_by_email(email)
    stored = UNKNOWN_USER_HASH if user is None else user.password_hash
    matches = off_the_event_loop(check_password_hash, stored, password)
    if user is None or not matches or not user.active:
        return None
    return user


def off_the_event_loop(function: Callable[..., T], *args: Any) -> T:
    """Call `function` in the app's hashing thread under gevent (a web worker), else here.

    For the password hash: scrypt takes ~100 ms of CPU, and on the event loop it would hold up
    every request of the worker (webhooks included) meanwhile. hashlib releases the GIL while
    it hashes, so the loop keeps serving them. One thread, at a lower priority: several
    hashes at once take the CPU the event loops need (on two cores, five hashing threads,
    as gevent's shared pool of 10 would run, left a busy thread 61% of its speed); further
    sign-ins wait their turn in the queue.
    """
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        return function(*args)
    from gevent.threadpool import ThreadPool

    pool = current_app.extensions.get(HASHING_POOL)
    if pool is None:  # created in the worker that uses it, on its first sign-in
        pool = current_app.extensions.setdefault(HASHING_POOL, ThreadPool(HASHING_THREADS))
    return cast(T, pool.apply(at_low_priority, (function, *args)))


def at_low_priority(function: Callable[..., T], *args: Any) -> T:
    """Call `function` with this thread's CPU priority lowered, so the event loop goes first.

    On Linux `setpriority(PRIO_PROCESS, 0)` sets the calling thread's niceness, not the
    process's; elsewhere it would slow the whole worker, so it is left as it is there.
    """
    if sys.platform == "linux" and os.getpriority(os.PRIO_PROCESS, 0) < HASHING_NICENESS:
        os.setpriority(os.PRIO_PROCESS, 0, HASHING_NICENESS)
    return function(*args)


def record_login(user: User) -> None:
    """Remember when the user last signed in."""
    user.last_login_at = utcnow()
    db.session.commit()
    log.info("dashboard user %s signed in", user.id)


def ensure_admin(email: str, password: str, keep_sessions: bool = False) -> bool:
    """Create or update a dashboard user as an active owner; return whether it was created.

    Setting the password ends the user's sessions everywhere; with `keep_sessions` (the
    web's start-up, from ADMIN_PASSWORD) an unchanged password keeps them.

    Raises:
        WeakPassword: the password has fewer than 8 (or more than 1024) characters.
    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            _(
                "the password must have %(least)s to %(most)s characters",
                least=MIN_PASSWORD_LENGTH,
                most=MAX_PASSWORD_LENGTH,
            )
        )
    email = normalize_email(email)
    if not email or "@" not in email:
        raise ValueError(_("the email must look like name@example.org"))
    user = find_by_email(email)
    created = user is None
    if user is None:
        user = User(email=email)
        db.session.add(user)
    if created or not keep_sessions or not user.check_password(password):
        user.set_password(password)
    user.active = True
    user.role = UserRole.OWNER  # ADMIN_EMAIL is the deploy's own owner
    db.session.commit()
    log.info("dashboard user %s %s", user.id, "created" if created else "updated")
    return created
