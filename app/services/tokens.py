"""API tokens: the deploy's `API_TOKEN` (an owner), and each user's own named tokens.

A user's token is `wit_` and 43 characters of a 256-bit random secret; only its sha256 is
stored (unique, indexed), so it is shown once. Checking one is one indexed query that joins
its user: a revoked token, or one whose user was removed, finds nothing. Its last use is
written at most once a minute, so a busy client adds no write per call.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import ApiToken, User, UserRole
from app.models.base import utcnow
from app.services import audit
from app.services.audit import Actor
from app.services.team import TeamError, digest

PREFIX = "wit_"
NAME_MAX_LENGTH = 100
# A token's last use is written when the one stored is older than this.
LAST_USE_EVERY = 60
DEPLOY_LABEL = "API_TOKEN"

FIND = text("""
SELECT t.id, t.name, t.read_only, t.last_used_at, u.id AS user_id, u.email, u.role,
    t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => :every) AS stale
FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id
WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND u.active
""")
TOUCH = text("UPDATE api_tokens SET last_used_at = now() WHERE id = :id")


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its secret (shown once)."""

    token: ApiToken
    secret: str


def deploy_actor() -> Actor:
    """The actor of the deploy's `API_TOKEN`: an owner, for the deploy's own scripts."""
    return Actor(DEPLOY_LABEL, "api", role=UserRole.OWNER)


def bearer_actor(presented: str, deploy_token: str | None) -> Actor | None:
    """Who a bearer token is (the deploy's, or a live user token's), or None."""
    given = presented.encode("latin-1", "replace")
    if deploy_token and hmac.compare_digest(given, deploy_token.encode()):
        return deploy_actor()
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = db.session.execute(
        FIND, {"digest": digest(presented), "every": LAST_USE_EVERY}
    ).one_or_none()
    if row is None:
        return None
    if row.stale:
        db.session.execute(TOUCH, {"id": row.id})
        db.session.commit()
    return Actor(
        row.email,
        "api",
        user_id=row.user_id,
        role=UserRole(row.role),
        read_only=row.read_only,
        token_id=row.id,
        token_name=row.name,
    )


def create(user: User, name: str, read_only: bool) -> NewToken:
    """Make a named token for `user`: their role, or read-only."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise TeamError(
            _(
                "a token needs a name of 1 to %(limit)s characters",
                limit=NAME_MAX_LENGTH,
            )
        )
    if not user.active:
        raise TeamError(_("a removed user can't have tokens"))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), read_only=read_only)
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token.create",
        target=user.email,
        detail={"token_id": token.id, "name": name, "read_only": read_only},
    )
    return NewToken(token, secret)


def owned_by(user_id: int) -> list[ApiToken]:
    """A user's tokens, live ones first, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    )
    return list(db.session.scalars(query))


def revoke(user_id: int, token_id: int) -> datetime:
    """Revoke one of the user's own tokens; it stops working at once."""
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(ApiToken.name, ApiToken.revoked_at)
    ).one_or_none()
    if revoked is None:
        db.session.rollback()
        raise TeamError(_("no such live token of yours"))
    audit.record("token.revoke", detail={"token_id": token_id, "name": revoked.name})
    at: datetime = revoked.revoked_at
    return at
