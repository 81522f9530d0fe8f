"""Signing in and out: hashed passwords, generic errors, rate limits, sessions, redirects."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.routing import Rule

from app import create_app
from app.extensions import db
from app.models import Event, User
from tests.support.access import rules_of, url_of
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.dashboard import add_admin, csrf_token, sign_in_session
from tests.support.database import dispose_engines, reset_state


def dashboard_rules(app: Flask) -> list[Rule]:
    """Every dashboard route but the public ones (sign-in, static files, invite links)."""
    return rules_of(app, "dashboard")


def client_from(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(
    client: FlaskClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, **extra: Any
) -> Any:
    """POST the sign-in form."""
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_sign_in_with_the_right_password_opens_the_dashboard(app: Flask, admin_id: int) -> None:
    client = app.test_client()
    response = login(client, email="  Organiser@Example.ORG ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.get(User, admin_id)
        assert user is not None and user.last_login_at is not None
        assert user.password_hash.startswith("scrypt:")
        assert ADMIN_PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN_EMAIL, "wrong password"), ("nobody@example.org", ADMIN_PASSWORD), (ADMIN_EMAIL, "")],
)
def test_refused_sign_ins_say_the_same_thing(
    app: Flask, admin_id: int, email: str, password: str
) -> None:
    client = app.test_client()
    response = login(client, email=email, password=password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if password:
        assert "Invalid email or password." in page
    else:
        assert "This field is required." in page
    assert client.get("/").status_code == 302


def test_a_disabled_user_cannot_sign_in(app: Flask, admin_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, admin_id)
        assert user is not None
        user.active = False
        db.session.commit()
    client = app.test_client()
    assert "Invalid email or password." in login(client).get_data(as_text=True)
    sign_in_session(client, admin_id)  # an old session of a disabled user is not honoured
    assert client.get("/").status_code == 302


def test_failed_sign_ins_per_email_are_limited(app: Flask, admin_id: int) -> None:
    for attempt in range(10):
        # Each attempt from another address: the per-email limit still counts them all.
        client = client_from(app, f"10.0.0.{attempt}")
        assert login(client, password="guess").status_code == 200
    client = client_from(app, "10.0.0.99")
    refused = login(client)  # even the right password waits
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Cache-Control"] == "no-store"
    other = login(client, email="someone@example.org", password="x" * 10)
    assert other.status_code == 200  # another email from that address is not blocked


def test_failed_sign_ins_per_address_are_limited(app: Flask, admin_id: int) -> None:
    client = client_from(app, "192.0.2.7")
    for attempt in range(10):
        assert login(client, email=f"guess{attempt}@example.org").status_code == 200
    assert login(client).status_code == 429
    elsewhere = client_from(app, "192.0.2.8")
    assert login(elsewhere).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_limit(app: Flask, admin_id: int) -> None:
    for _ in range(7):
        client = app.test_client()
        assert login(client).status_code == 302


def test_the_limit_lives_in_redis_shared_by_every_worker(app: Flask, admin_id: int) -> None:
    for _ in range(5):
        assert login(app.test_client(), password="guess").status_code == 200
    assert login(app.test_client()).status_code == 429
    connection = redis.Redis.from_url(app.config["SETTINGS"].redis_url)
    keys = connection.keys("*dashboard*")
    assert keys, "no rate-limit counters in Redis"
    connection.delete(*keys)
    assert login(app.test_client()).status_code == 302


def test_sign_in_starts_a_fresh_session(app: Flask, admin_id: int) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{admin_id}.")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/events/7?rsvp=maybe", "/events/7?rsvp=maybe"),
        ("/inbox", "/inbox"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/evil.example", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_next_only_leads_to_local_paths(
    app: Flask, admin_id: int, target: str, expected: str
) -> None:
    response = login(app.test_client(), next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_the_login_page_carries_next_into_its_form(app: Flask) -> None:
    page = app.test_client().get("/login?next=/system").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/system"' in page


def test_signed_in_visitors_skip_the_login_page(user: FlaskClient) -> None:
    response = user.get("/login?next=/inbox")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"


def test_every_page_needs_a_signed_in_user(app: Flask) -> None:
    client = app.test_client()
    rules = dashboard_rules(app)
    assert len(rules) >= 14
    for rule in rules:
        url = url_of(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.endswith(".json"):
                assert response.status_code == 401, url
                assert response.get_json()["error"] == "Unauthorized"
            else:
                assert response.status_code == 302, (method, url)
                location = response.headers["Location"]
                assert location == (f"/login?next={url}" if method == "GET" else "/login"), url
    with app.app_context():
        assert db.session.query(Event).count() == 0  # nothing was done by the POSTs


def test_signed_in_pages_are_never_cached(user: FlaskClient) -> None:
    for path in ("/", "/inbox", "/system", "/login"):
        response = user.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    static = user.get("/dashboard-static/dashboard.css")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "no-store"
    static.close()


def test_logout_needs_a_post(user: FlaskClient) -> None:
    assert user.get("/logout").status_code == 405
    assert user.get("/").status_code == 200
    response = user.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert user.get("/").status_code == 302


def test_logout_needs_the_csrf_token(csrf_app: Flask) -> None:
    user_id = add_admin(csrf_app)
    client = csrf_app.test_client()
    sign_in_session(client, user_id)
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert "form has expired" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still signed in
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_sign_in_through_the_real_form_with_csrf(csrf_app: Flask) -> None:
    add_admin(csrf_app)
    client = csrf_app.test_client()
    assert login(client).status_code == 400  # no token
    token = csrf_token(client, "/login")
    response = login(client, csrf_token=token)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_session_cookies_are_secure_in_production(migrated: dict[str, str]) -> None:
    env = {**migrated, "APP_ENV": "production", "SENDING_ENABLED": "false"}
    app = create_app(env)
    app.config["WTF_CSRF_ENABLED"] = False
    add_admin(app)
    try:
        response = login(app.test_client(), remember="y")
        cookies = response.headers.getlist("Set-Cookie")
        session_cookie = next(c for c in cookies if c.startswith("session="))
        remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
        for cookie in (session_cookie, remember_cookie):
            assert "Secure" in cookie
            assert "HttpOnly" in cookie
        assert "SameSite=Lax" in session_cookie
    finally:
        with app.app_context():
            reset_state(app)
            dispose_engines()


def test_sign_in_stays_limited_while_redis_is_down(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "REDIS_URL": "redis://127.0.0.1:1/0"})
    app.config["WTF_CSRF_ENABLED"] = False
    add_admin(app)
    try:
        assert login(app.test_client()).status_code == 302  # Redis is not needed to sign in
        for _ in range(5):
            assert login(app.test_client(), password="guess").status_code == 200
        assert login(app.test_client()).status_code == 429  # counted in memory meanwhile
    finally:
        with app.app_context():
            db.session.execute(text("TRUNCATE users RESTART IDENTITY CASCADE"))
            db.session.commit()
            dispose_engines()


def test_the_login_limiter_only_hooks_dashboard_requests(app: Flask) -> None:
    limiter = app.extensions["dashboard_limiter"]
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        app_wide = [repr(hook) for hook in registry.get(None, [])]
        assert not any("Limiter" in hook for hook in app_wide), app_wide
        assert any(repr(limiter) in repr(hook) for hook in registry["dashboard"])
