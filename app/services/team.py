"""The team: invite people by a single-use link, change their role, remove them.

An invite link holds a random secret; only its sha256 is stored, so the link is shown once
(to the owner who made it, or printed by `flask users create`). It opens once, before it
expires. The last active owner can be neither removed nor made anything else: the owners'
rows are locked first, so two owners demoting each other at once leave one of them owner.
A removed user is deactivated (their name stays on what they did): their sessions end and
their tokens are revoked in the same transaction, so both are dead at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import ApiToken, Invite, User, UserRole
from app.models.base import utcnow
from app.services import audit, users
from app.services.users import WeakPassword

INVITE_LIFETIME = timedelta(days=3)
INVITE_PATH = "/invite/"


class TeamError(ValueError):
    """A change to the team that is refused, with why."""


class LastOwner(TeamError):
    """The change would leave the team without an active owner."""


class InviteInvalid(TeamError):
    """The invite link is unknown, used already or expired."""


@dataclass(frozen=True)
class NewInvite:
    """An invite just made, with its secret (shown once)."""

    invite: Invite
    secret: str

    @property
    def path(self) -> str:
        """The link's path on the dashboard."""
        return f"{INVITE_PATH}{self.secret}"


def digest(secret: str) -> str:
    """What is stored of a secret: its sha256, in hex."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def parse_role(raw: object) -> UserRole:
    """A role from a form, an argument or a body; anything else is refused."""
    try:
        return UserRole(str(raw).strip().lower())
    except ValueError:
        names = ", ".join(role.value for role in UserRole)
        raise TeamError(_("the role must be one of %(names)s", names=names)) from None


def invite(email: str, role: UserRole, invited_by: int | None = None) -> NewInvite:
    """Make a single-use invite link for `email` to join with `role`."""
    email = users.normalize_email(email)
    if not email or "@" not in email or len(email) > 254:
        raise TeamError(_("the email must look like name@example.org"))
    existing = users.find_by_email(email)
    if existing is not None and existing.active:
        raise TeamError(
            _("%(email)s is in the team already: change their role instead", email=email)
        )
    secret = secrets.token_urlsafe(32)
    made = Invite(
        email=email,
        role=role,
        token_hash=digest(secret),
        invited_by=invited_by,
        expires_at=utcnow() + INVITE_LIFETIME,
    )
    db.session.add(made)
    db.session.flush()
    audit.record("user.invite", target=email, detail={"role": role.value, "invite": made.id})
    return NewInvite(made, secret)


def open_invite(secret: str) -> Invite:
    """The invite of a link that may still be used.

    Raises:
        InviteInvalid: the link is unknown, used, revoked or expired.
    """
    found = db.session.scalar(select(Invite).where(Invite.token_hash == digest(secret)))
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise InviteInvalid(_("this invite link is not valid any more: ask for a new one"))
    return found


def accept_invite(secret: str, password: str) -> User:
    """Join the team through an invite link with a password; the link is used up."""
    if not users.MIN_PASSWORD_LENGTH <= len(password) <= users.MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            _(
                "the password must have %(least)s to %(most)s characters",
                least=users.MIN_PASSWORD_LENGTH,
                most=users.MAX_PASSWORD_LENGTH,
            )
        )
    password_hash = users.off_the_event_loop(generate_password_hash, password)
    found = db.session.scalar(
        select(Invite).where(Invite.token_hash == digest(secret)).with_for_update()
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        db.session.rollback()
        raise InviteInvalid(_("this invite link is not valid any more: ask for a new one"))
    user = users.find_by_email(found.email)
    if user is not None and user.active:
        found.used_at = utcnow()
        db.session.commit()
        raise InviteInvalid(
            _("%(email)s is in the team already: sign in instead", email=found.email)
        )
    if user is None:
        user = User(email=found.email, password_hash=password_hash)
        db.session.add(user)
    user.password_hash = password_hash
    user.end_sessions()
    user.role = found.role
    user.active = True
    found.used_at = utcnow()
    db.session.flush()
    actor = audit.Actor(found.email, "dashboard", user.id, found.role)
    audit.record("user.join", actor=actor, target=found.email, detail={"role": found.role.value})
    return user


def revoke_invite(invite_id: int) -> None:
    """Make a pending invite link unusable."""
    found = db.session.get(Invite, invite_id)
    if found is None or found.used_at is not None:
        raise TeamError(_("that invite is used or revoked already"))
    found.used_at = utcnow()
    audit.record("user.invite_revoke", target=found.email, detail={"invite": found.id})


def members() -> list[User]:
    """Every user, active first, by email."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))


def pending_invites() -> list[Invite]:
    """The invite links that still open, newest first."""
    query = (
        select(Invite)
        .where(Invite.used_at.is_(None), Invite.expires_at > utcnow())
        .order_by(Invite.id.desc())
    )
    return list(db.session.scalars(query))


def set_role(user_id: int, role: UserRole) -> User:
    """Give a member another role (refused for the last owner)."""
    user, owners = _member(user_id)
    if user.role is UserRole.OWNER and role is not UserRole.OWNER:
        _keep_an_owner(user, owners)
    before = user.role
    user.role = role
    audit.record("user.role", target=user.email, detail={"from": before.value, "to": role.value})
    return user


def remove(user_id: int) -> User:
    """Take a member out of the team: signed out everywhere, tokens revoked, at once."""
    user, owners = _member(user_id)
    if user.role is UserRole.OWNER:
        _keep_an_owner(user, owners)
    user.active = False
    user.end_sessions()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record("user.remove", target=user.email, detail={"role": user.role.value})
    return user


def _member(user_id: int) -> tuple[User, list[int]]:
    """An active user, locked for the change, and the active owners' ids.

    The owners' rows are locked first, in id order, then the member's: every change takes
    its locks in the same order, so two at once wait for each other instead of deadlocking.
    """
    owners = list(
        db.session.scalars(
            select(User.id)
            .where(User.role == UserRole.OWNER, User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None or not user.active:
        db.session.rollback()
        raise TeamError(_("no such member of the team"))
    return user, owners


def _keep_an_owner(leaving: User, owners: list[int]) -> None:
    """Refuse a change that would leave no active owner."""
    if not [owner for owner in owners if owner != leaving.id]:
        db.session.rollback()
        raise LastOwner(_("the team's last owner can't be removed or given another role"))
