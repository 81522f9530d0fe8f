"""Dashboard users."""

from __future__ import annotations

import time
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Base, created_at_column
from app.models.enums import UserRole, enum_column


class User(UserMixin, Base):
    """A member of the team who signs in to the dashboard, with a role."""

    __tablename__ = "users"
    # `session_started` below is a plain attribute of the loaded object, not a column.
    __allow_unmapped__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Users from before roles were the admin: owners.
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole), server_default=UserRole.OWNER)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None]
    # Part of every session and remember cookie; rotating it ends them all (see get_id).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor sign-in: the TOTP secret (base32, sealed with a key derived from SECRET_KEY:
    # `app.services.two_factor.seal`) once enabled, and the last time step a code was
    # accepted for (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The dashboard's language this user chose (`app.i18n.LANGUAGES`); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8))
    # When the session being served was signed in (set by the user loader), else None.
    session_started: int | None = None

    @property
    def is_active(self) -> bool:
        """Whether the user may sign in."""
        return self.active

    def get_id(self) -> str:
        """The session id Flask-Login stores: `<user id>.<session version>.<signed-in time>`.

        The session cookie and the remember cookie both carry it, so rotating the version
        ends every session at once, and the sign-in time lets them expire server-side.
        """
        started = self.session_started if self.session_started is not None else int(time.time())
        return f"{self.id}.{self.session_version}.{started}"

    def end_sessions(self) -> None:
        """Make every session and remember cookie issued so far invalid (commit to apply)."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password (scrypt); sessions under the old one end."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)
