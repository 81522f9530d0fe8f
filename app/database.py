"""Build the SQLAlchemy engine options: a pool tuned for PaaS PostgreSQL, per process role."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

if TYPE_CHECKING:
    from app.config import DatabaseSettings, Role

MAIN = "main"
# The Flask-SQLAlchemy bind of the webhooks' engine (`db.engines[WEBHOOKS]`).
WEBHOOKS = "webhooks"

# pool_size, max_overflow per role and pool. A web worker serves many greenlets but only a
# few touch the database at once: the dashboard and API share the main pool, Twilio's
# webhooks have their own (in autocommit: one round trip per webhook). In the worker, the
# sender writes in batches from two threads and the webhooks pool only replays the spool.
POOL_DEFAULTS = {
    ("web", MAIN): (5, 5),
    ("web", WEBHOOKS): (15, 5),
    ("worker", MAIN): (5, 5),
    ("worker", WEBHOOKS): (2, 2),
}


def normalize_database_url(url: str) -> str:
    """Rewrite `postgres://` and bare `postgresql://` URLs to the psycopg2 driver.

    Render and Heroku hand out `postgres://`, which SQLAlchemy rejects, and SQLAlchemy 2.1
    reads a bare `postgresql://` as psycopg 3, which is not installed.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def engine_options(settings: DatabaseSettings, role: Role, pool: str = MAIN) -> dict[str, Any]:
    """Return `create_engine` keyword arguments for one pool of a process of the given role."""
    pool_size, max_overflow = POOL_DEFAULTS[role.value, pool]
    if pool == WEBHOOKS:
        configured = (settings.webhook_pool_size, settings.webhook_max_overflow)
    else:
        configured = (settings.pool_size, settings.max_overflow)
    options: dict[str, Any] = {
        # Test each connection before use: Postgres restarts and idle-killing proxies
        # otherwise surface as "SSL connection has been closed unexpectedly". Not on the
        # webhooks' pool, where that round trip would cost a third of each webhook: there
        # only idle connections are tested (see ping_after_idle).
        "pool_pre_ping": pool == MAIN,
        # Retire connections before the shortest idle timeout on the path (PaaS proxies, NAT).
        "pool_recycle": settings.pool_recycle,
        # Reuse the most recent connection so idle ones can age out and be recycled.
        "pool_use_lifo": True,
        # Fail fast when the pool is exhausted instead of queueing greenlets for 30 s.
        "pool_timeout": settings.pool_timeout,
        "pool_size": configured[0] if configured[0] is not None else pool_size,
        "max_overflow": configured[1] if configured[1] is not None else max_overflow,
        "connect_args": connect_args(settings, role),
    }
    if pool == WEBHOOKS:
        # Each webhook's store-and-apply is one statement, atomic on its own.
        options["isolation_level"] = "AUTOCOMMIT"
    return options


def connect_args(settings: DatabaseSettings, role: Role) -> dict[str, Any]:
    """Return the libpq connection parameters: keepalives, timeouts and `application_name`."""
    args: dict[str, Any] = {
        # TCP keepalives detect a dead server or a dropped NAT entry; statement_timeout can't.
        "keepalives": 1,
        "keepalives_idle": settings.keepalives_idle,
        "keepalives_interval": settings.keepalives_interval,
        "keepalives_count": settings.keepalives_count,
        "tcp_user_timeout": settings.tcp_user_timeout_ms,
        "connect_timeout": settings.connect_timeout,
        "application_name": role.value,
    }
    if settings.startup_options:
        args["options"] = (
            f"-c statement_timeout={settings.statement_timeout_ms}"
            f" -c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
        )
    return args


def bound_connect_time_under_gevent(engine: Engine, seconds: float) -> bool:
    """Bound new connections with a gevent timeout when psycogreen is active.

    Under psycogreen's wait callback libpq ignores `connect_timeout`, so a blackholed
    database would hang the greenlet forever. Returns whether the bound was installed.
    """
    import psycopg2
    import psycopg2.extensions

    if psycopg2.extensions.get_wait_callback() is None:
        return False
    import gevent

    @event.listens_for(engine, "do_connect")
    def connect_with_timeout(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
        timeout = psycopg2.OperationalError(f"connection timed out after {seconds:g} s")
        with gevent.Timeout(seconds, timeout):
            return dialect.connect(*cargs, **cparams)

    return True


LAST_USED = "last_used"


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle for `idle_seconds`.

    For the webhooks' pool, where a ping per checkout would be a third of the work. Postgres
    restarts, idle-killing proxies and NAT timeouts close connections while they sit in the
    pool: an idle connection is checked with one round trip and replaced if dead
    (DisconnectionError makes the pool retry with another). A connection used a moment ago
    is as alive as a ping would find it; if the server died meanwhile, the statement fails,
    SQLAlchemy invalidates the pool's older connections, and the webhook is retried once on
    a fresh one (app.services.webhook_spool.run_with_retry).
    """

    @event.listens_for(engine, "connect")
    def fresh(dbapi_connection: Any, record: Any) -> None:
        record.info[LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if time.monotonic() - record.info.get(LAST_USED, 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"idle connection is gone: {error}") from error


def is_database_unavailable(error: BaseException) -> bool:
    """Whether a database error means the server (or the pool) can't be reached right now.

    OperationalError covers refused and dropped connections, timeouts and server restarts;
    the pool's TimeoutError means every connection is busy. Both pass; a bad statement
    (IntegrityError, DataError, ProgrammingError) does not.
    """
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def prepare_statements() -> bool:
    """Whether this app prepares its webhook statements (`DB_PREPARE_STATEMENTS`)."""
    from flask import current_app

    enabled: bool = current_app.config["SETTINGS"].database.prepare_statements
    return enabled
