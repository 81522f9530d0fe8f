"""Fixtures for the webhook tests: apps with their own settings, and a breakable DB link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.support.apps import AppFactory
from tests.support.database import dispose_engines
from tests.support.proxy import TcpProxy


@pytest.fixture
def make_app(app: Flask, migrated: dict[str, str]) -> Iterator[AppFactory]:
    """Build apps on the test database with extra settings; `app` empties the tables after."""
    built: list[Flask] = []

    def build(**settings: str) -> Flask:
        extra = create_app({**migrated, **settings})
        extra.config["TESTING"] = True
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            db.session.remove()
            dispose_engines()


@pytest.fixture
def db_proxy(migrated: dict[str, str]) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the test PostgreSQL, forwarding until told otherwise."""
    url = make_url(migrated["DATABASE_URL"])
    socket_dir = url.query.get("host")  # the embedded PostgreSQL listens on a Unix socket
    host = socket_dir if isinstance(socket_dir, str) else url.host or "127.0.0.1"
    proxy = TcpProxy(host, url.port or 5432)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxied_app(make_app: AppFactory, db_proxy: TcpProxy, migrated: dict[str, str]) -> Flask:
    """An app whose database connections go through `db_proxy`, with short timeouts."""
    url = (
        make_url(migrated["DATABASE_URL"])
        .difference_update_query(["host"])
        .set(host="127.0.0.1", port=db_proxy.port)
    )
    return make_app(
        DATABASE_URL=url.render_as_string(hide_password=False),
        DB_CONNECT_TIMEOUT="1",
        DB_POOL_TIMEOUT="2",
    )
