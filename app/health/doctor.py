"""`flask doctor`: every readiness check, plus the configuration mistakes that bite later.

Each check says what to do when it fails. Nothing here calls Twilio or changes anything;
where `TWILIO_API_BASE_URL` names the local emulator, its health endpoint is asked.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import redis
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import EMULATOR_ACCOUNT_SID, Role, Settings, TwilioSettings
from app.database import MAIN, WEBHOOKS, engine_options
from app.extensions import db, redis_store
from app.health.checks import Check, ready_checks
from app.health.jobs import worker_rows

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind
TWILIO_API = "https://api.twilio.com"
EMULATOR_TIMEOUT = 3.0  # seconds: a local process answers at once or not at all
EMULATOR_ACTION = (
    "start it (`bash scripts/run-local.sh` runs one and `bash scripts/flask.sh` uses its"
    " settings), or unset TWILIO_API_BASE_URL to send through Twilio"
)
# gunicorn.conf.py's default number of web workers.
DEFAULT_WEB_CONCURRENCY = 2


def check_public_url(settings: Settings) -> Check:
    """PUBLIC_BASE_URL is an absolute URL Twilio can call (https in production)."""
    action = "set PUBLIC_BASE_URL to the https:// address Twilio posts to (no path)"
    url = settings.public_base_url
    if not url:
        return Check(False, "not set: no status callbacks, signatures checked on the Host", action)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check(False, f"{url!r} is not an absolute http(s) URL", action)
    if settings.is_production and parts.scheme != "https":
        return Check(False, f"{url} is not https (Twilio signs the https URL)", action)
    if settings.is_production and parts.hostname in LOCAL_HOSTS:
        return Check(False, f"{url} is a local address Twilio cannot reach", action)
    return Check(True, url)


def check_twilio(settings: Settings) -> Check:
    """Twilio credentials and a sender are configured (their shape, not their validity); a
    `TWILIO_API_BASE_URL` other than Twilio's is the local emulator, which must answer."""
    twilio = settings.twilio
    problems = credential_problems(twilio)
    if problems:
        action = "set them from the Twilio console"
        if twilio.account_sid == EMULATOR_ACCOUNT_SID and twilio.api_base_url == TWILIO_API:
            action += f"; or, for the local emulator, {EMULATOR_ACTION}"
        return Check(False, "; ".join(problems), action)
    sender = twilio.whatsapp_from or twilio.messaging_service_sid
    account = f"account {twilio.account_sid}, sender {sender}"
    if is_twilio(twilio.api_base_url):
        return Check(True, account)
    if settings.is_production:
        return Check(
            False,
            f"messages go to {twilio.api_base_url}, not Twilio",
            f"for real messages set TWILIO_API_BASE_URL={TWILIO_API} (or unset it)",
        )
    return check_emulator(twilio.api_base_url, twilio.account_sid or "", account)


def credential_problems(twilio: TwilioSettings) -> list[str]:
    """What is missing or malformed among the account, its token and the sender."""
    problems = []
    if not (twilio.account_sid or "").startswith("AC"):
        problems.append("TWILIO_ACCOUNT_SID missing or not AC…")
    if not twilio.auth_token:
        problems.append("TWILIO_AUTH_TOKEN missing")
    if not (twilio.whatsapp_from or "").startswith("whatsapp:+") and not (
        twilio.messaging_service_sid or ""
    ).startswith("MG"):
        problems.append(
            "TWILIO_WHATSAPP_FROM (whatsapp:+…) or TWILIO_MESSAGING_SERVICE_SID missing"
        )
    if twilio.account_sid == EMULATOR_ACCOUNT_SID and twilio.api_base_url == TWILIO_API:
        problems.append(f"the local emulator's TWILIO_ACCOUNT_SID against {TWILIO_API}")
    return problems


def is_twilio(url: str) -> bool:
    """Whether `url` is Twilio's API (https, on twilio.com), not an emulator."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme == "https" and (host == "twilio.com" or host.endswith(".twilio.com"))


def check_emulator(url: str, account_sid: str, account: str) -> Check:
    """The emulator at `url` answers its health endpoint, for the configured account."""
    if urlsplit(url).scheme not in ("http", "https"):
        return Check(False, f"TWILIO_API_BASE_URL {url!r} is not an http(s) URL", EMULATOR_ACTION)
    try:
        with urllib.request.urlopen(  # noqa: S310 - the configured API URL, checked http(s)
            f"{url}/_emulator/health", timeout=EMULATOR_TIMEOUT
        ) as response:
            health = json.loads(response.read())
    except (OSError, ValueError) as error:  # refused, timed out, an HTTP error, not JSON
        return Check(
            False,
            f"the emulator at {url} does not answer ({describe(error)})",
            EMULATOR_ACTION,
        )
    served = health.get("account_sid") if isinstance(health, dict) else None
    if served != account_sid:
        return Check(
            False,
            f"the emulator at {url} serves account {served}, not TWILIO_ACCOUNT_SID {account_sid}",
            "give the emulator and the service the same account SID (or unset both)",
        )
    return Check(True, f"the local emulator at {url}: {account}")


def describe(error: BaseException) -> str:
    """A short reason: the HTTP status, the socket's reason, or the exception's name."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return type(error).__name__


def pool_capacity(settings: Settings, role: Role) -> int:
    """Connections one process of `role` may open: both pools, each at size plus overflow."""
    total = 0
    for pool in (MAIN, WEBHOOKS):
        options = engine_options(settings.database, role, pool)
        total += options["pool_size"] + options["max_overflow"]
    return total


def check_pool_sizes(settings: Settings, worker_processes: int) -> Check:
    """The pools of every web and worker process fit in PostgreSQL's max_connections."""
    try:
        row = db.session.execute(
            text(
                "SELECT current_setting('max_connections')::int AS max,"
                " current_setting('superuser_reserved_connections')::int AS reserved"
            )
        ).one()
    except SQLAlchemyError as error:
        db.session.rollback()
        return Check(False, type(error).__name__, "see the database check")
    web = int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WEB_CONCURRENCY)
    # Each worker process and the work horse it forks per job have their own pools.
    workers = max(1, worker_processes) * 2
    needed = web * pool_capacity(settings, Role.WEB) + workers * pool_capacity(
        settings, Role.WORKER
    )
    available = row.max - row.reserved
    detail = (
        f"up to {needed} connections ({web} web x {pool_capacity(settings, Role.WEB)},"
        f" {workers} worker x {pool_capacity(settings, Role.WORKER)}) of {available} allowed"
    )
    if needed > available:
        return Check(
            False,
            detail,
            "lower DB_POOL_SIZE / DB_MAX_OVERFLOW / DB_WEBHOOK_* or WEB_CONCURRENCY,"
            " or put PgBouncer in front",
        )
    return Check(True, detail)


def check_eviction_policy(connection: redis.Redis) -> Check:
    """Redis never evicts keys (RQ's jobs and the limiter's state would vanish)."""
    try:
        policy = str(connection.info("memory").get("maxmemory_policy", "?"))
    except redis.RedisError as error:
        return Check(False, type(error).__name__, "see the redis check")
    if policy != "noeviction":
        return Check(
            False,
            f"maxmemory-policy is {policy}",
            "set maxmemory-policy noeviction (redis.conf or the provider's settings)",
        )
    return Check(True, policy)


def doctor_checks() -> dict[str, Check]:
    """The readiness checks, then the configuration's."""
    settings: Settings = current_app.config["SETTINGS"]
    checks = ready_checks()
    try:
        worker_processes = len(worker_rows(redis_store.connection))
    except redis.RedisError:
        worker_processes = 1
    checks.update(
        {
            "public_url": check_public_url(settings),
            "twilio": check_twilio(settings),
            "pool_sizes": check_pool_sizes(settings, worker_processes)
            if checks["database"].ok
            else Check(False, "database unavailable", "see the database check"),
            "redis_eviction": check_eviction_policy(redis_store.connection),
        }
    )
    return checks
