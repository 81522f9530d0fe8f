"""The users service and the `flask create-admin` command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import User
from app.services import users


def test_ensure_admin_creates_then_updates_one_user(app: Flask) -> None:
    with app.app_context():
        assert users.ensure_admin(" Admin@Example.org ", "first password") is True
        assert users.ensure_admin("admin@example.org", "second password") is False
        found = db.session.scalars(db.select(User)).all()
        assert [user.email for user in found] == ["admin@example.org"]
        assert users.authenticate("ADMIN@example.org", "second password") is not None
        assert users.authenticate("admin@example.org", "first password") is None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("admin@example.org", "short"),
        ("admin@example.org", "x" * 1025),
        ("not-an-email", "long enough"),
    ],
)
def test_ensure_admin_refuses_bad_input(app: Flask, email: str, password: str) -> None:
    with app.app_context():
        with pytest.raises(ValueError):
            users.ensure_admin(email, password)
        assert db.session.scalars(db.select(User)).all() == []


def test_ensure_admin_reactivates_a_disabled_user(app: Flask) -> None:
    with app.app_context():
        users.ensure_admin("admin@example.org", "a good password")
        user = users.find_by_email("admin@example.org")
        assert user is not None
        user.active = False
        db.session.commit()
        assert users.authenticate("admin@example.org", "a good password") is None
        users.ensure_admin("admin@example.org", "a good password")
        assert users.authenticate("admin@example.org", "a good password") is not None


@pytest.mark.parametrize(
    "raw", ["", "abc", "0", "-1", "99999999999", "1", "1.0", "1.0.x", "1.0.1.1", "0.0.1", "2.0.1"]
)
def test_load_user_ignores_unknown_and_malformed_ids(app: Flask, raw: str) -> None:
    with app.app_context():
        assert users.load_user(raw, timedelta(days=14)) is None


def test_create_admin_command(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(
        args=["create-admin", "--email", "ops@example.org", "--password", "hunter2hunter2"]
    )
    assert result.exit_code == 0, result.output
    assert "created dashboard user ops@example.org" in result.output
    again = runner.invoke(
        args=["create-admin"],
        env={"ADMIN_EMAIL": "ops@example.org", "ADMIN_PASSWORD": "another-one"},
    )
    assert again.exit_code == 0, again.output
    assert "updated" in again.output
    weak = runner.invoke(args=["create-admin", "--email", "ops@example.org", "--password", "short"])
    assert weak.exit_code == 2
    assert "at least 8" in weak.output or "8 to 1024" in weak.output
    with app.app_context():
        assert users.authenticate("ops@example.org", "another-one") is not None
