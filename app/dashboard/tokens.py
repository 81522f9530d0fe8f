"""A user's own API tokens: `GET /account/tokens` lists them, `POST` makes one (shown once),
`POST /account/tokens/<id>/revoke` ends one at once."""

from __future__ import annotations

from typing import cast

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.dashboard import bp
from app.dashboard.team_forms import TokenForm
from app.models import User
from app.services import tokens
from app.services.team import TeamError
from app.services.tokens import NewToken


@bp.get("/account/tokens")
def tokens_page() -> ResponseReturnValue:
    """Your tokens: name, scope, last use; and the form for a new one."""
    return render_tokens(TokenForm())


def render_tokens(form: TokenForm, made: NewToken | None = None) -> str:
    """The tokens page, with a token just made shown once."""
    return render_template(
        "dashboard/tokens.html",
        tokens=tokens.owned_by(current_user.id),
        form=form,
        made=made,
    )


@bp.post("/account/tokens")
def create_token() -> ResponseReturnValue:
    """Make a token with your role, or read-only (a role in the form is never read)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return render_tokens(form), 400
    user = cast(User, current_user._get_current_object())
    try:
        made = tokens.create(user, form.name.data or "", bool(form.read_only.data))
    except TeamError as error:
        form.name.errors = [str(error)]
        return render_tokens(form), 400
    return render_tokens(TokenForm(formdata=None), made), 201


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of your tokens."""
    try:
        tokens.revoke(current_user.id, token_id)
    except TeamError as error:
        flash(_("Not revoked: %(error)s.", error=error), "error")
    else:
        flash(_("Revoked: the token no longer opens the API."), "success")
    return redirect(url_for("dashboard.tokens_page"))
