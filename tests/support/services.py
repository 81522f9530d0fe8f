"""Find PostgreSQL and Redis for the tests: configured, local, or embedded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import redis
from psycopg2 import sql
from sqlalchemy.engine import make_url

from app.database import normalize_database_url
from app.embedded import EmbeddedServices, start_postgres, start_redis

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
# A Redis database of its own, so the tests never flush a developer's data.
TEST_REDIS_DB = 13


@dataclass(frozen=True)
class ServiceUrls:
    """URLs of the database and Redis the tests use, and where they came from."""

    database_url: str
    redis_url: str
    origin: str


def _postgres_answers(url: str) -> bool:
    """Whether a PostgreSQL server accepts a connection at `url`."""
    try:
        psycopg2.connect(url, connect_timeout=2).close()
    except psycopg2.OperationalError:
        return False
    return True


def _redis_answers(url: str) -> bool:
    """Whether a Redis server answers PING at `url`."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server for this run; drop it afterwards."""
    name = f"invites_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@contextmanager
def provide_services(work_dir: Path) -> Iterator[ServiceUrls]:
    """Yield services from TEST_*_URL, else the local servers, else embedded ones."""
    embedded = EmbeddedServices()
    origins = []
    try:
        postgres_url = os.environ.get("TEST_DATABASE_URL")
        if postgres_url:
            origins.append("postgres: TEST_DATABASE_URL")
        elif _postgres_answers(LOCAL_POSTGRES):
            postgres_url, origin = LOCAL_POSTGRES, "postgres: local"
            origins.append(origin)
        else:
            postgres_url = start_postgres(embedded, work_dir / "postgres")
            origins.append("postgres: embedded (pgserver)")
        redis_url = os.environ.get("TEST_REDIS_URL")
        if redis_url:
            origins.append("redis: TEST_REDIS_URL")
        elif _redis_answers(LOCAL_REDIS):
            redis_url = f"redis://127.0.0.1:6379/{TEST_REDIS_DB}"
            origins.append("redis: local")
        else:
            redis_url = start_redis(embedded, work_dir / "redis")
            origins.append("redis: embedded")
        with scratch_database(postgres_url) as database_url:
            yield ServiceUrls(normalize_database_url(database_url), redis_url, ", ".join(origins))
    finally:
        embedded.stop()
