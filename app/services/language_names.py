"""A guest list's language column as organisers write it: codes, and names in any language.

A value the service does not know never costs the guest: they are imported in the language
their phone's country suggests (else English), and the line is reported as a warning.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.config import LANGUAGES
from app.sending.languages import guest_language
from app.services.guest_upload import fold_title

# Codes and names a language column may hold, folded (`fold_title`: no case or accents, so
# "Francés", "français" and "francês" are one entry), in en/es/pt/ar/fr.
LANGUAGE_NAMES = {
    **dict.fromkeys(("en", "eng", "english", "ingles", "anglais", "الانجليزية", "انجليزي"),
                    "en"),
    **dict.fromkeys(("es", "spa", "spanish", "espanol", "castellano", "espanhol", "espagnol",
                     "الاسبانية", "اسباني"), "es"),
    **dict.fromkeys(("pt", "por", "portuguese", "portugues", "pt br", "pt pt", "portugais",
                     "البرتغالية", "برتغالي"), "pt"),
    **dict.fromkeys(("ar", "ara", "arabic", "arabe", "عربي", "العربية"), "ar"),
    **dict.fromkeys(("fr", "fra", "fre", "french", "francais", "frances", "francesa",
                     "fr fr", "fr ca", "الفرنسية", "فرنسي", "فرنسية"), "fr"),
}  # fmt: skip


def read_language(raw: Any, phone: str) -> tuple[str, str | None]:
    """The guest's language from a column's value (blank: their phone's country's), and a
    warning when the value is not a language the service writes in."""
    inferred = guest_language(None, phone)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return inferred, None
    language = LANGUAGE_NAMES.get(fold_title(raw)) if isinstance(raw, str) else None
    if language is not None:
        return language, None
    shown = str(raw).strip()[:40]
    values = {"value": repr(shown), "languages": ", ".join(LANGUAGES), "language": inferred}
    if inferred != "en":
        warning = _(
            "language %(value)s is not one of %(languages)s: imported in %(language)s (from the"
            " phone's country)",
            **values,
        )
    else:
        warning = _(
            "language %(value)s is not one of %(languages)s: imported in %(language)s (the"
            " default)",
            **values,
        )
    return inferred, warning
