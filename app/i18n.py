"""The dashboard in the organiser's language: Flask-Babel, the catalogues in `app/translations`.

On the dashboard's pages the language is the signed-in user's choice (`users.language`),
else the one chosen on the sign-in page (kept in the session), else the browser's best
`Accept-Language` among `LANGUAGES`, else English; elsewhere (the API, guests' pages) the
browser's. Arabic reads right to left (`direction`). Dates, numbers and
plurals go through Babel's CLDR data in that language.

Messages are extracted with `pybabel extract -F babel.cfg -o messages.pot .`, merged with
`pybabel update -i messages.pot -d app/translations` and compiled with
`pybabel compile -d app/translations` (the `.mo` files are committed: a deployment needs no
build step); `tests/dashboard/test_translations.py` fails on a message a catalogue misses.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

# The dashboard's languages, English first (the source language), with their own names.
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ar": "العربية",
    "fr": "Français",
}
RIGHT_TO_LEFT = frozenset({"ar"})
SESSION_KEY = "language"

babel = Babel()


def select_language() -> str:
    """The language of this request's pages (see the module's docstring); English outside one."""
    if not has_request_context():
        return "en"
    # Only the dashboard's requests have a user to ask (the API's and the guests' pages
    # follow the request's Accept-Language, and load no user from a cookie).
    dashboard = request.blueprint == "dashboard"
    chosen = getattr(current_user, "language", None) if dashboard else None
    if chosen in LANGUAGES:
        return str(chosen)
    if dashboard and session.get(SESSION_KEY) in LANGUAGES:
        return str(session[SESSION_KEY])
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def language() -> str:
    """The current request's language code (`en` outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def direction() -> str:
    """`rtl` for a right-to-left language, else `ltr` (the `dir` of the page)."""
    return "rtl" if language() in RIGHT_TO_LEFT else "ltr"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and give templates the language, its direction and the choices."""
    babel.init_app(app, locale_selector=select_language)

    @app.context_processor
    def language_globals() -> dict[str, object]:
        # Named apart from a page's own `language` (a template's, a guest's).
        return {
            "page_language": language(),
            "page_direction": direction(),
            "page_languages": LANGUAGES,
        }
