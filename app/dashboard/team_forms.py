"""The team's forms: invite, role, joining by an invite link, API tokens, audit filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length

from app.models import UserRole
from app.services.tokens import NAME_MAX_LENGTH
from app.services.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

ROLE_CHOICES = [
    SelectChoice(UserRole.OWNER.value, _l("Owner: everything, the team included")),
    SelectChoice(UserRole.ORGANISER.value, _l("Organiser: events, guests, messages, campaigns")),
    SelectChoice(UserRole.VIEWER.value, _l("Viewer: reads everything, changes nothing")),
    SelectChoice(UserRole.DOOR.value, _l("Door: check-in at the door only")),
]
# A role as the pages name it (the stored value stays English: `UserRole`).
ROLE_LABELS = {
    UserRole.OWNER: _l("owner"),
    UserRole.ORGANISER: _l("organiser"),
    UserRole.VIEWER: _l("viewer"),
    UserRole.DOOR: _l("door"),
}


class InviteForm(FlaskForm):
    """Who to invite, with which role."""

    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=UserRole.ORGANISER.value)


class JoinForm(FlaskForm):
    """The password of a person joining by an invite link."""

    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[InputRequired(), EqualTo("password", _l("The two passwords differ."))],
    )


class TokenForm(FlaskForm):
    """A new API token: its name, and whether it only reads."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_MAX_LENGTH)])
    read_only = BooleanField(_l("Read-only (whatever your role, this token changes nothing)"))


class CodeForm(FlaskForm):
    """The second factor: a code of the authenticator app, or a recovery code.

    The email goes with it, so that the sign-in limits count the code against the account.
    """

    email = HiddenField()
    code = StringField(
        _l("Code from your authenticator app (or a recovery code)"),
        validators=[InputRequired(), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
