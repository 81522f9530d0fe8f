"""Two-factor sign-in (TOTP): enabling it, the code after the password (good once, counted
by the sign-in limits), recovery codes, and owners made to enable it when the service says."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import User, UserRole
from app.services import two_factor
from tests.support.access import add_member
from tests.support.apps import fresh_app
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.dashboard import sign_in_session, text_of
from tests.support.database import dispose_engines, execute, scalar

ADDRESS = "198.51.100.20"


def next_code(secret: str) -> str:
    """The code of the next time step (the current one was spent on enabling it)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def enable(user: FlaskClient) -> tuple[str, list[str]]:
    """Turn it on through the page; return the secret and the recovery codes shown."""
    page = user.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert secret and 'src="data:image/svg+xml' in page
    done = user.post("/account/two-factor", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret.group(1), codes


def stored_secret(user: User | None) -> str | None:
    """The user's secret as the service reads it (stored sealed)."""
    assert user is not None
    return two_factor.secret_of(user)


def password_step(app: Flask) -> FlaskClient:
    """A client that gave the right password and is asked for its code."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    asked = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert asked.status_code == 200 and "Your code" in asked.get_data(as_text=True)
    return client


def code_step(client: FlaskClient, code: str) -> int:
    """Post the code; return the status (302: signed in)."""
    response = client.post("/login", data={"email": ADMIN_EMAIL, "code": code})
    return response.status_code


def test_sign_in_asks_for_a_code_after_the_password(app: Flask, user: FlaskClient) -> None:
    secret, _ = enable(user)
    client = password_step(app)
    assert client.get("/inbox").status_code == 302  # not signed in yet
    assert code_step(client, pyotp.TOTP(secret).now()) == 200  # spent on enabling it
    assert code_step(client, next_code(secret)) == 302
    assert client.get("/inbox").status_code == 200
    actions = scalar(app, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log")
    assert actions == "user.two_factor_on,sign_in"


def test_a_code_is_good_once(app: Flask, user: FlaskClient) -> None:
    secret, _ = enable(user)
    first = password_step(app)
    code = next_code(secret)
    assert code_step(first, code) == 302
    again = password_step(app)
    assert code_step(again, code) == 200  # the same code, replayed


def test_a_recovery_code_signs_in_once(app: Flask, user: FlaskClient) -> None:
    _, codes = enable(user)
    assert code_step(password_step(app), codes[0].upper()) == 302
    assert code_step(password_step(app), codes[0]) == 200
    with app.app_context():
        assert two_factor.recovery_codes_left(1) == 9


def test_guessed_codes_are_counted_by_the_sign_in_limits(app: Flask, user: FlaskClient) -> None:
    secret, _ = enable(user)
    client = password_step(app)
    spent = pyotp.TOTP(secret).now()  # refused as a replay: a failed attempt like any other
    # 5 failures a minute per email and address (the right password was given back)
    assert [code_step(client, spent) for _ in range(5)] == [200] * 5
    assert code_step(client, spent) == 429
    assert code_step(client, next_code(secret)) == 429  # waits, even with the right code


def test_a_code_without_the_password_first_signs_in_no_one(app: Flask, user: FlaskClient) -> None:
    secret, _ = enable(user)
    stranger = app.test_client()
    answer = stranger.post("/login", data={"email": ADMIN_EMAIL, "code": next_code(secret)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert stranger.get("/inbox").status_code == 302


def test_turning_it_off_needs_a_code(app: Flask, user: FlaskClient) -> None:
    secret, _ = enable(user)
    user.post("/account/two-factor/disable", data={"code": "000000"})
    with app.app_context():
        assert stored_secret(db.session.scalar(db.select(User))) == secret
    later = pyotp.TOTP(secret).at(
        pyotp.TOTP(secret).timecode(__import__("datetime").datetime.now()) * 30 + 30
    )
    user.post("/account/two-factor/disable", data={"code": later})
    with app.app_context():
        assert db.session.scalar(db.select(User.totp_secret)) is None


@pytest.fixture
def owners_must(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard where owners must sign in with a second factor."""
    with fresh_app({**migrated, "TWO_FACTOR_FOR_OWNERS": "true"}, WTF_CSRF_ENABLED=False) as app:
        yield app


def test_an_owner_must_enable_it_before_anything_else(owners_must: Flask) -> None:
    owner, organiser = owners_must.test_client(), owners_must.test_client()
    sign_in_session(owner, add_member(owners_must, "olga@example.org", UserRole.OWNER))
    sign_in_session(organiser, add_member(owners_must, "ana@example.org", UserRole.ORGANISER))
    assert owner.get("/inbox").headers["Location"] == "/account/two-factor"
    assert "Owners of this service" in text_of(
        owner.get("/account/two-factor").get_data(as_text=True)
    )
    assert organiser.get("/inbox").status_code == 200
    secret = re.search(
        r'<code id="totp-secret">([A-Z2-7]+)</code>',
        owner.get("/account/two-factor").get_data(as_text=True),
    )
    assert secret
    owner.post("/account/two-factor", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert owner.get("/inbox").status_code == 200
    owner.post("/account/two-factor/disable", data={"code": pyotp.TOTP(secret.group(1)).now()})
    with owners_must.app_context():
        olga = db.session.scalar(db.select(User).where(User.email == "olga@example.org"))
        assert stored_secret(olga) == secret.group(1)


def test_the_secret_is_stored_sealed_and_a_plaintext_one_still_reads(
    app: Flask, user: FlaskClient
) -> None:
    secret, _ = enable(user)
    stored = scalar(app, "SELECT totp_secret FROM users")
    assert stored.startswith("sealed:v1:") and secret not in stored
    assert code_step(password_step(app), next_code(secret)) == 302
    # A row from before sealing (plaintext) still signs in, until the migration seals it.
    execute(app, "UPDATE users SET totp_secret = :s, totp_last_step = NULL", s=secret)
    assert code_step(password_step(app), pyotp.TOTP(secret).now()) == 302


def test_a_new_secret_key_asks_for_the_second_factor_again(
    migrated: dict[str, str], app: Flask, user: FlaskClient
) -> None:
    secret, codes = enable(user)
    rotated_env = {**migrated, "SECRET_KEY": "another-key-" + "x" * 40}
    with fresh_app(rotated_env, WTF_CSRF_ENABLED=False) as rotated:
        assert code_step(password_step(rotated), next_code(secret)) == 200  # no longer opens
        assert code_step(password_step(rotated), codes[0]) == 302  # a recovery code does


def test_the_migration_seals_plaintext_secrets_and_the_downgrade_opens_them(
    app: Flask, user: FlaskClient
) -> None:
    secret, _ = enable(user)
    with app.app_context():
        downgrade(revision="0028")
        dispose_engines()
    assert scalar(app, "SELECT totp_secret FROM users") == secret  # opened again
    with app.app_context():
        upgrade()
        dispose_engines()
    stored = scalar(app, "SELECT totp_secret FROM users")
    assert stored.startswith("sealed:v1:") and secret not in stored
    assert code_step(password_step(app), next_code(secret)) == 302
