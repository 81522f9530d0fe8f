"""Find PostgreSQL and Redis for the tests.

PostgreSQL: TEST_DATABASE_URL, else the local server, else an embedded one; each run
creates a scratch database there and drops it after. Redis: the database TEST_REDIS_URL
names (only if it is empty or a previous run marked it as the suite's), else an embedded
redis-server on a free port for this run alone. The suite flushes its Redis
between tests, so it never runs on a database it did not create or was not given.
"""

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
from app.devstack.embedded import EmbeddedServices, start_postgres, start_redis

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# Set in a TEST_REDIS_URL database the suite has taken over (and flushes between tests).
OWNER_KEY = "whatsapp-invites:test-suite"


class ForeignRedisError(RuntimeError):
    """TEST_REDIS_URL names a database holding data the suite did not write."""


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


def claim_redis(url: str) -> None:
    """Take over the TEST_REDIS_URL database if it is empty or was the suite's already."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        keys = client.dbsize()
        if keys and not client.exists(OWNER_KEY):
            raise ForeignRedisError(
                f"TEST_REDIS_URL={url} holds {keys} keys the tests did not write, and the"
                " tests flush it: name an empty database, or unset TEST_REDIS_URL to use"
                " an embedded Redis"
            )
        client.set(OWNER_KEY, "1")
    finally:
        client.close()


def flush_redis(url: str) -> None:
    """Empty the suite's Redis database, keeping the mark that it is the suite's."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        client.set(OWNER_KEY, "1")
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
        # A throwaway database need not wait for the disk at each commit (this one only).
        cursor.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
        )
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
    """Yield PostgreSQL from TEST_DATABASE_URL, the local server or an embedded one, and
    Redis from TEST_REDIS_URL or an embedded one."""
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
            claim_redis(redis_url)
            origins.append("redis: TEST_REDIS_URL")
        else:
            redis_url = start_redis(embedded, work_dir / "redis")
            origins.append("redis: embedded")
        with scratch_database(postgres_url) as database_url:
            yield ServiceUrls(normalize_database_url(database_url), redis_url, ", ".join(origins))
    finally:
        embedded.stop()
