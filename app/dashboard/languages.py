"""The dashboard's language: the signed-in user's choice, or the sign-in page's (`app.i18n`)."""

from __future__ import annotations

from flask import redirect, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.extensions import db
from app.i18n import LANGUAGES, SESSION_KEY


@bp.post("/language")
def choose_language() -> ResponseReturnValue:
    """Keep the chosen language (empty: the browser's) and go back to the page it was chosen on."""
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        chosen = ""
    if current_user.is_authenticated:
        current_user.language = chosen or None
        db.session.commit()
    if chosen:
        session[SESSION_KEY] = chosen
    else:
        session.pop(SESSION_KEY, None)
    return redirect(safe_next(request.form.get("next")))
