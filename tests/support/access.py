"""Routes with sample arguments, and clients signed in with each role, for the access tests."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule

from app.extensions import db
from app.models import User, UserRole
from app.services import access, tokens

# A value for every path argument of the app's routes.
SAMPLE_ARGS = {
    "event_id": 1,
    "campaign_id": 1,
    "guest_id": 1,
    "message_id": 1,
    "action": "pause",
    "kind": "invitation",
    "language": "es",
    "question_id": 1,
    "invite_id": 1,
    "approval_id": 1,
    "user_id": 1,
    "token_id": 1,
    "token": "not-a-token",
    "secret": "not-an-invite",
    "code": "K7QM2XDP",
    "filename": "dashboard.css",
}
METHODS_TRIED = ("GET", "POST", "PATCH", "DELETE")


def url_of(rule: Rule) -> str:
    """A concrete URL of a rule, with sample ids."""
    return rule.build({name: SAMPLE_ARGS[name] for name in rule.arguments})[1]


def rules_of(app: Flask, blueprint: str) -> list[Rule]:
    """The blueprint's routes that need a signed-in user or a token (not the public ones)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(f"{blueprint}.")
        and not any(
            access.ROUTES[rule.endpoint].level_for(method).public
            for method in rule.methods or ()
            if method in METHODS_TRIED
        )
    ]


def requests_of(rule: Rule) -> list[tuple[str, str]]:
    """Each (method, url) the rule answers."""
    url = url_of(rule)
    return [(method, url) for method in METHODS_TRIED if method in (rule.methods or ())]


def add_member(app: Flask, email: str, role: UserRole, password: str = "a long password") -> int:
    """A user of the team with a role; return its id."""
    with app.app_context():
        user = User(email=email, role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def member_token(app: Flask, email: str, role: UserRole) -> dict[str, str]:
    """The `Authorization` header of a new token of a new member of this role."""
    user_id = add_member(app, email, role)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Bearer {tokens.create(user, 'ci', False).secret}"}
