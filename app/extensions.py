"""Unbound extension objects, bound to an app in `create_app`."""

from __future__ import annotations

import redis
from flask import Flask, current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine

from app.models import Base
from app.statements import GroupCommit

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=False)
login_manager = LoginManager()
csrf = CSRFProtect()


class RedisExtension:
    """One Redis connection pool per process, created when the app is built."""

    def init_app(self, app: Flask, url: str, max_connections: int = 50) -> None:
        """Create the app's pool; a blocking pool waits for a free connection under gevent."""
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=5,
            socket_timeout=5,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
        app.extensions["redis"] = redis.Redis(connection_pool=pool)

    @property
    def connection(self) -> redis.Redis:
        """The current app's Redis client (bytes in, bytes out, as RQ expects)."""
        client: redis.Redis = current_app.extensions["redis"]
        return client


redis_store = RedisExtension()


def webhook_engine() -> Engine:
    """The current app's engine for webhooks: its own pool, each statement autocommitted."""
    from app.database import WEBHOOKS

    return db.engines[WEBHOOKS]


def webhook_writes() -> GroupCommit:
    """The current app's writer of webhook statements (grouped commits in a web worker)."""
    writes: GroupCommit = current_app.extensions["webhook_writes"]
    return writes
