"""Apps built on the test database for one test, and left with nothing behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.database import dispose_engines, reset_state

# A fixture's builder of apps with extra settings: `make_app(DB_POOL_TIMEOUT="2")`.
AppFactory = Callable[..., Flask]


@contextmanager
def fresh_app(env: Mapping[str, str], **config: Any) -> Iterator[Flask]:
    """An app for testing with `config` set; every table and Redis are emptied afterwards."""
    app = create_app(dict(env))
    app.config["TESTING"] = True
    app.config.update(config)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            reset_state(app)
            dispose_engines()
