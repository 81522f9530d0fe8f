"""Two-factor sign-in for your own account: `GET /account/two-factor` shows how to enable it
(a QR code of a new secret) or that it is on; `POST` enables it with a first code and shows
the recovery codes once; `POST /account/two-factor/disable` turns it off with a code."""

from __future__ import annotations

from typing import cast

import segno
from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.dashboard import bp
from app.dashboard.team_forms import CodeForm
from app.models import User
from app.services import two_factor

SETUP_KEY = "two_factor_setup"


def me() -> User:
    """The signed-in user."""
    return cast(User, current_user._get_current_object())


@bp.get("/account/two-factor")
def two_factor_page() -> ResponseReturnValue:
    """Enable two-factor sign-in, or see that it is on."""
    return render_setup(CodeForm())


def render_setup(
    form: CodeForm, codes: list[str] | None = None, status: int = 200
) -> ResponseReturnValue:
    """The page: on (recovery codes left, or just made), or a new secret to scan."""
    user = me()
    if user.totp_secret is not None:
        return render_template(
            "dashboard/two_factor.html",
            enabled=True,
            codes=codes,
            left=two_factor.recovery_codes_left(user.id),
            required=two_factor.required_for(user),
            form=form,
        ), status
    secret = session.get(SETUP_KEY) or two_factor.new_secret()
    session[SETUP_KEY] = secret
    uri = two_factor.provisioning_uri(user.email, secret)
    return render_template(
        "dashboard/two_factor.html",
        enabled=False,
        secret=secret,
        qr=segno.make(uri, error="m").svg_data_uri(scale=5),
        required=two_factor.required_for(user),
        form=form,
    ), status


@bp.post("/account/two-factor")
def enable_two_factor() -> ResponseReturnValue:
    """Turn it on with a first code of the scanned secret; show the recovery codes once."""
    form = CodeForm()
    secret = session.get(SETUP_KEY)
    user = me()
    if user.totp_secret is not None or not secret:
        return redirect(url_for("dashboard.two_factor_page"))
    codes = two_factor.enable(user, secret, form.code.data or "") if form.validate() else None
    if codes is None:
        form.code.errors = [_("That code doesn't match: type the one your app shows now.")]
        return render_setup(form, status=400)
    session.pop(SETUP_KEY, None)
    return render_setup(CodeForm(formdata=None), codes=codes)


@bp.post("/account/two-factor/disable")
def disable_two_factor() -> ResponseReturnValue:
    """Turn it off (not for an owner when the service requires it)."""
    user = me()
    form = CodeForm()
    if two_factor.required_for(user):
        flash(_("Owners must sign in with a second factor here: it stays on."), "error")
    elif form.validate() and two_factor.disable(user, form.code.data or ""):
        flash(_("Two-factor sign-in is off."), "success")
    else:
        flash(_("Not turned off: that code is not right."), "error")
    return redirect(url_for("dashboard.two_factor_page"))
