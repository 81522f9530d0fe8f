"""Sessions you can end: a captured session or remember cookie dies at each way of ending it."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.extensions import db
from app.models import User
from app.services import users
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD

SESSION = "session"
REMEMBER = "remember_token"


def signed_in_remembered(app: Flask) -> FlaskClient:
    """A client signed in through the form with "Keep me signed in" ticked."""
    client = app.test_client()
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER) is not None
    return client


def replay(app: Flask, name: str, value: str) -> FlaskClient:
    """A fresh client (another machine) holding only one captured cookie."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def captured(client: FlaskClient) -> dict[str, str]:
    """The values of the client's session and remember cookies, as an attacker would copy them."""
    cookies = {}
    for name in (SESSION, REMEMBER):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        cookies[name] = cookie.value
    return cookies


def is_signed_in(client: FlaskClient) -> bool:
    """Whether the dashboard opens (not a redirect to the login page)."""
    return client.get("/").status_code == 200


def sign_out(client: FlaskClient, app: Flask, runner: FlaskCliRunner) -> None:
    """The header's "Sign out"."""
    assert client.post("/logout").status_code == 302


def sign_out_everywhere(client: FlaskClient, app: Flask, runner: FlaskCliRunner) -> None:
    """The header's "Sign out everywhere"."""
    assert client.post("/logout/everywhere").status_code == 302


def change_password(client: FlaskClient, app: Flask, runner: FlaskCliRunner) -> None:
    """A new password set through the users service (as the admin settings do)."""
    with app.app_context():
        users.ensure_admin(ADMIN_EMAIL, "a brand new passphrase")


def create_admin(client: FlaskClient, app: Flask, runner: FlaskCliRunner) -> None:
    """`flask create-admin` run again for the same email, same password."""
    result = runner.invoke(
        args=["create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD]
    )
    assert result.exit_code == 0, result.output


ENDINGS: list[Callable[[FlaskClient, Flask, FlaskCliRunner], None]] = [
    sign_out,
    sign_out_everywhere,
    change_password,
    create_admin,
]


@pytest.mark.parametrize("ending", ENDINGS, ids=lambda ending: ending.__name__)
def test_captured_cookies_die_when_the_session_ends(
    app: Flask, admin_id: int, ending: Callable[[FlaskClient, Flask, FlaskCliRunner], None]
) -> None:
    client = signed_in_remembered(app)
    stolen = captured(client)
    for name, value in stolen.items():
        assert is_signed_in(replay(app, name, value)), f"{name} alone should sign in first"
    ending(client, app, app.test_cli_runner())
    for name, value in stolen.items():
        assert not is_signed_in(replay(app, name, value)), f"a captured {name} still works"
    assert not is_signed_in(client)


def test_sign_out_deletes_the_remember_cookie(app: Flask, admin_id: int) -> None:
    client = signed_in_remembered(app)
    response = client.post("/logout")
    deleted = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER + "=")]
    assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    assert client.get_cookie(REMEMBER) is None


def test_sign_out_everywhere_ends_the_sessions_of_other_browsers(app: Flask, admin_id: int) -> None:
    laptop = signed_in_remembered(app)
    phone = signed_in_remembered(app)
    assert is_signed_in(phone)
    assert laptop.post("/logout/everywhere").status_code == 302
    assert not is_signed_in(phone)
    assert signed_in_remembered(app) is not None  # signing in again works


def test_remember_cookies_expire_on_the_server(
    app: Flask, admin_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    stolen = captured(signed_in_remembered(app))[REMEMBER]
    assert is_signed_in(replay(app, REMEMBER, stolen))
    duration = app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
    later = time.time() + duration + 60
    monkeypatch.setattr(users, "time", SimpleNamespace(time=lambda: later))
    assert not is_signed_in(replay(app, REMEMBER, stolen)), "a 15-day-old remember cookie works"


def test_a_password_change_rotates_the_session_version(app: Flask, admin_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, admin_id)
        assert user is not None
        before = user.session_version
        user.set_password("yet another passphrase")
        db.session.commit()
        assert user.session_version == before + 1


def test_a_restart_with_the_same_admin_password_keeps_sessions(app: Flask, admin_id: int) -> None:
    client = signed_in_remembered(app)
    runner = app.test_cli_runner()
    same = ["create-admin", "--keep-sessions", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD]
    assert runner.invoke(args=same).exit_code == 0
    assert is_signed_in(client)  # gunicorn's start-up runs exactly this
    changed = [*same[:-1], "a changed passphrase"]
    assert runner.invoke(args=changed).exit_code == 0
    assert not is_signed_in(client)
