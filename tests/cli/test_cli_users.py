"""`flask users create|list|set-role|remove|token`: the team from the command line."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import User, UserRole
from app.services import users
from tests.support.database import scalar


def test_create_prints_a_single_use_invite_link(app: Flask, runner: FlaskCliRunner) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = replace(settings, public_base_url="https://rsvp.example.org")
    result = runner.invoke(args=["users", "create", "Ana@Example.org", "--role", "organiser"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://rsvp.example.org/invite/")
    client = app.test_client()
    path = link.removeprefix("https://rsvp.example.org")
    client.post(path, data={"password": "a long password", "confirm": "a long password"})
    with app.app_context():
        user = users.find_by_email("ana@example.org")
        assert user is not None and user.role is UserRole.ORGANISER
    assert app.test_client().get(path).status_code == 404  # used up
    bad = runner.invoke(args=["users", "create", "x@example.org", "--role", "emperor"])
    assert bad.exit_code == 2


def test_list_set_role_remove_and_the_last_owner(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        users.ensure_admin("boss@example.org", "a long password")
    runner.invoke(args=["users", "create", "door@example.org", "--role", "door"])
    listing = runner.invoke(args=["users", "list"]).output
    assert "boss@example.org  owner" in listing and "invited as door" in listing
    last = runner.invoke(args=["users", "set-role", "boss@example.org", "viewer"])
    assert last.exit_code == 1 and "last owner" in last.output
    assert runner.invoke(args=["users", "remove", "boss@example.org"]).exit_code == 1
    with app.app_context():
        second = User(email="second@example.org", role=UserRole.OWNER)
        second.set_password("a long password")
        db.session.add(second)
        db.session.commit()
    moved = runner.invoke(args=["users", "set-role", "boss@example.org", "VIEWER"])
    assert moved.exit_code == 0, moved.output
    removed = runner.invoke(args=["users", "remove", "boss@example.org"])
    assert removed.exit_code == 0, removed.output
    assert runner.invoke(args=["users", "remove", "nobody@example.org"]).exit_code == 1
    actions = scalar(app, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log")
    assert actions == "user.invite,user.role,user.remove"


def test_token_prints_a_token_once(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        users.ensure_admin("boss@example.org", "a long password")
    made = runner.invoke(
        args=["users", "token", "boss@example.org", "--name", "CRM", "--read-only"]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    auth = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert client.get("/api/v1/events", headers=auth).status_code == 200
    assert client.post("/api/v1/events", json={"name": "x"}, headers=auth).status_code == 403
    assert scalar(app, "SELECT name FROM api_tokens") == "CRM"


def test_reset_two_factor_turns_it_off(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        users.ensure_admin("boss@example.org", "a long password")
        boss = users.find_by_email("boss@example.org")
        assert boss is not None
        boss.totp_secret = "JBSWY3DPEHPK3PXP"
        db.session.commit()
    done = runner.invoke(args=["users", "reset-two-factor", "boss@example.org"])
    assert done.exit_code == 0, done.output
    assert scalar(app, "SELECT totp_secret FROM users") is None
    assert scalar(app, "SELECT action FROM audit_log") == "user.two_factor_reset"
