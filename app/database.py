"""Build the SQLAlchemy engine options: a pool tuned for PaaS PostgreSQL, per process role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from app.config import DatabaseSettings, Role

# pool_size, max_overflow per role: the web worker serves many greenlets but only a few touch
# the database at once; the worker's sender writes results in batches from one thread.
POOL_DEFAULTS = {"web": (10, 10), "worker": (5, 5)}


def normalize_database_url(url: str) -> str:
    """Rewrite `postgres://` and bare `postgresql://` URLs to the psycopg2 driver.

    Render and Heroku hand out `postgres://`, which SQLAlchemy rejects, and SQLAlchemy 2.1
    reads a bare `postgresql://` as psycopg 3, which is not installed.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def engine_options(settings: DatabaseSettings, role: Role) -> dict[str, Any]:
    """Return `create_engine` keyword arguments for a process of the given role."""
    pool_size, max_overflow = POOL_DEFAULTS[role.value]
    return {
        # Test each connection before use: Postgres restarts and idle-killing proxies
        # otherwise surface as "SSL connection has been closed unexpectedly".
        "pool_pre_ping": True,
        # Retire connections before the shortest idle timeout on the path (PaaS proxies, NAT).
        "pool_recycle": settings.pool_recycle,
        # Reuse the most recent connection so idle ones can age out and be recycled.
        "pool_use_lifo": True,
        # Fail fast when the pool is exhausted instead of queueing greenlets for 30 s.
        "pool_timeout": settings.pool_timeout,
        "pool_size": settings.pool_size if settings.pool_size is not None else pool_size,
        "max_overflow": settings.max_overflow
        if settings.max_overflow is not None
        else max_overflow,
        "connect_args": connect_args(settings, role),
    }


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
