"""Two-factor sign-in with TOTP (RFC 6238, `pyotp`): enrolment, codes, recovery codes.

A user enables it by scanning a secret into an authenticator app and confirming one code;
they get ten recovery codes, shown once (stored as sha256), each good once in place of a
code. A code is accepted for the current time step or the one either side, and only once:
the step of the last accepted code is kept, and an equal or older one is refused (one
UPDATE decides, so two sign-ins with the same code at once accept one). When
`TWO_FACTOR_FOR_OWNERS` is set, an owner without it is sent to enable it before anything
else. Codes are checked inside the sign-in form's POSTs, so the sign-in limits count them.

The secret is stored sealed with a key derived from SECRET_KEY (`app.services.secret_box`);
a plaintext one from before still reads until the migration seals it. Under a new
SECRET_KEY a sealed secret no longer opens: its codes are refused (recovery codes still
work), and the user sets the second factor up again.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

import pyotp
from flask import current_app
from sqlalchemy import delete, select, text, update

from app.extensions import db
from app.models import RecoveryCode, User, UserRole
from app.models.base import utcnow
from app.services import audit, secret_box
from app.services.team import digest

log = logging.getLogger(__name__)

ISSUER = "WhatsApp invitations"
RECOVERY_CODES = 10
# Codes of the step before and after the current one pass too (clocks drift, people type).
VALID_WINDOW = 1
# What the secrets are sealed for (their key is derived from SECRET_KEY with it).
PURPOSE = "totp secret"

ACCEPT_STEP = text("""
UPDATE users SET totp_last_step = :step
WHERE id = :user_id AND (totp_last_step IS NULL OR totp_last_step < :step)
RETURNING id
""")


def new_secret() -> str:
    """A fresh base32 secret for an authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    """The `otpauth://` URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def required_for(user: User) -> bool:
    """Whether the service makes this user sign in with a second factor."""
    settings = current_app.config["SETTINGS"]
    return bool(settings.two_factor_for_owners) and user.role is UserRole.OWNER


def matching_step(secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step whose code this is (within the window), or None."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = at or utcnow()
    step = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def seal(secret: str) -> str:
    """A secret as stored."""
    return secret_box.seal(secret, PURPOSE)


def secret_of(user: User) -> str | None:
    """The user's secret in clear (None: none set, or sealed under another SECRET_KEY)."""
    if user.totp_secret is None:
        return None
    try:
        return secret_box.unseal(user.totp_secret, PURPOSE)
    except secret_box.Unreadable:
        log.warning("user %s: two-factor secret sealed under another SECRET_KEY", user.id)
        return None


def verify(user: User, code: str) -> bool:
    """Accept a code of the user's authenticator, or one of their recovery codes, once."""
    if user.totp_secret is None:
        return False
    secret = secret_of(user)
    step = matching_step(secret, code) if secret is not None else None
    if step is not None:
        accepted = db.session.execute(ACCEPT_STEP, {"step": step, "user_id": user.id}).first()
        db.session.commit()
        return accepted is not None
    return use_recovery_code(user, code)


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the user's recovery codes."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    if not cleaned or len(cleaned) > 64:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .returning(RecoveryCode.id)
    ).first()
    if spent is None:
        db.session.rollback()
        return False
    audit.record("user.recovery_code", actor=_actor(user), target=user.email)
    return True


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn it on once the user confirmed a code of the new secret; return the recovery
    codes (shown once), or None when the code doesn't match."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = seal(secret)
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_on", actor=_actor(user), target=user.email)
    return codes


def disable(user: User, code: str) -> bool:
    """Turn it off, with a current code (or a recovery code)."""
    if not verify(user, code):
        return False
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("user.two_factor_off", actor=_actor(user), target=user.email)
    return True


def reset(user: User) -> None:
    """Turn it off without a code (an operator's command, for a lost phone and codes)."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("user.two_factor_reset", target=user.email)


def recovery_codes_left(user_id: int) -> int:
    """How many unused recovery codes the user has."""
    query = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return len(db.session.scalars(query).all())


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones (returned once, stored hashed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        cleaned = code.replace("-", "")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=digest(cleaned)))
    return codes


def _actor(user: User) -> audit.Actor:
    """The user acting on their own account."""
    return audit.Actor(user.email, "dashboard", user.id, user.role)
