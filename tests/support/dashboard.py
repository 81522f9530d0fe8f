"""The dashboard's user, signing in without a password check, and reading its pages."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from app.services import users
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD


def add_admin(app: Flask, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> int:
    """Create a dashboard user; return its id."""
    with app.app_context():
        users.ensure_admin(email, password)
        user = users.find_by_email(email)
        assert user is not None
        return user.id


def sign_in_session(client: FlaskClient, user_id: int) -> None:
    """Mark the client's session as signed in (what Flask-Login stores), without hashing."""
    with client.application.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        session_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its first form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed, for content checks."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def link_param(html: str, name: str) -> str:
    """The value of query parameter `name` in the first link of the page that has it."""
    match = re.search(rf'href="[^"]*[?&;]{name}=([^"&]+)', html.replace("&amp;", "&"))
    assert match, f"no link with {name}="
    return match.group(1)
