"""`flask doctor`: every readiness check, plus the configuration mistakes that bite later.

Each check says what to do when it fails. Nothing here calls Twilio or changes anything.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import redis
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import EMULATOR_ACCOUNT_SID, Role, Settings
from app.database import MAIN, WEBHOOKS, engine_options
from app.extensions import db, redis_store
from app.health.checks import Check, ready_checks
from app.health.jobs import worker_rows

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind
TWILIO_API = "https://api.twilio.com"
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
    """Twilio credentials and a sender are configured (their shape, not their validity)."""
    twilio = settings.twilio
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
    if problems:
        return Check(False, "; ".join(problems), "set them from the Twilio console")
    sender = twilio.whatsapp_from or twilio.messaging_service_sid
    return Check(True, f"account {twilio.account_sid}, sender {sender}")


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
