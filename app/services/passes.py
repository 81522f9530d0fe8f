"""Guests' passes: a code and its image, given with the yes that seats them.

A seated guest whose party is known gets a pass with their confirmation: the reply carries
the pass's image (`MediaUrl`, served at `/e/<page token>/pass/<code>.png`, a URL no one can
guess: the QR code with the event, its time, the guest, their party and the code written
out, `app.services.pass_card`) and the code written out ("K7QM-2XDP") with their party.
The database voids a pass whose party changes or whose yes is taken back (migration 0018),
so the next yes gives a new one; writing "pass" ("pase", "passe", "تذكرة", ...) asks for it
again. A waitlisted guest gets theirs once seated.

When the organiser is the one who gives it (a yes recorded by hand, a new party), the new
pass is queued for the engine in the same transaction (`renew_and_send`), which sends it
once, as free-form media inside the guest's 24-hour window, else as the `pass` template
(`app.sending.pass_sends`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.sending import pass_sends
from app.sending.languages import guest_language
from app.sending.message import format_start
from app.services import pass_card, pass_codes, template_rules

log = logging.getLogger(__name__)

# What a guest writes to have their pass again, in each language (folded, whole message).
ASK_AGAIN = frozenset(
    ("pass", "my pass", "ticket", "pase", "mi pase", "entrada", "passe", "ingresso", "bilhete",
     "billet", "mon billet", "ma passe", "تذكرة", "تذكره", "التذكرة", "التذكره", "تذكرتي")
)  # fmt: skip
# The sample card at `/e/sample/pass/<code>.png` (`template_rules.SAMPLE_PASS_PATH`).
SAMPLE = ("sample", template_rules.SAMPLE_PASS_CODE)
# Codes drawn again when a new one meets an existing one (about 2^-40 each time).
ATTEMPTS = 3

# Give the guest a pass if their event gives passes, they are seated (a yes, not
# waitlisted) and they have none.
ISSUE = text("""
UPDATE guests AS g SET pass_code = :code
FROM invitations AS i, events AS e
WHERE g.id = :guest_id AND g.pass_code IS NULL AND g.waitlisted_at IS NULL
  AND i.guest_id = g.id AND i.kind = 'invitation' AND i.rsvp = 'confirmed'
  AND e.id = g.event_id AND e.passes
RETURNING g.pass_code
""")
CURRENT = text("""
SELECT g.pass_code, g.page_token, COALESCE(g.party_size, 1) AS party
FROM guests AS g WHERE g.id = :guest_id AND g.pass_code IS NOT NULL
""")
BY_PAGE = text("""
SELECT g.pass_code, g.name, g.language, g.phone, COALESCE(g.party_size, 1) AS party,
       e.name AS event_name, e.starts_at, e.time_zone
FROM guests AS g JOIN events AS e ON e.id = g.event_id
WHERE sha256(g.page_token::bytea) = sha256(CAST(:token AS text)::bytea) AND g.pass_code = :code
""")

WORDS = MappingProxyType({
    "en": "Your pass for {party}: {code}. Show it at the door.",
    "es": "Tu pase para {party}: {code}. Muéstralo en la entrada.",
    "pt": "Seu passe para {party}: {code}. Mostre-o na entrada.",
    "ar": "تذكرتك لـ {party}: {code}. أظهرها عند الدخول.",
    "fr": "Votre passe pour {party} : {code}. Montrez-le à l'entrée.",
})  # fmt: skip
PARTY = MappingProxyType({
    "en": ("1 person", "{n} people"), "es": ("1 persona", "{n} personas"),
    "pt": ("1 pessoa", "{n} pessoas"), "ar": ("شخص واحد", "{n} أشخاص"),
    "fr": ("1 personne", "{n} personnes"),
})  # fmt: skip
NONE_YET = MappingProxyType({
    "en": "You have no pass yet: it comes with your yes.",
    "es": "Aún no tienes pase: llega con tu sí.",
    "pt": "Você ainda não tem passe: ele chega com o seu sim.",
    "ar": "ليس لديك تذكرة بعد: تصلك مع تأكيد حضورك.",
    "fr": "Vous n'avez pas encore de passe : il arrive avec votre oui.",
})  # fmt: skip


@dataclass(frozen=True)
class Pass:
    """A guest's pass: its code, their party, and where its image is."""

    code: str
    page_token: str
    party: int

    def image_path(self) -> str:
        """The image's path (under the guest's page: unguessable, void with the code)."""
        return f"/e/{self.page_token}/pass/{self.code}.png"

    def words(self, language: str) -> str:
        """The pass written out, in the guest's language."""
        template = WORDS.get(language, WORDS["en"])
        return template.format(
            party=party_words(self.party, language), code=pass_codes.shown(self.code)
        )


def party_words(party: int, language: str) -> str:
    """ "3 people", in the guest's language."""
    one, many = PARTY.get(language, PARTY["en"])
    return one if party == 1 else many.format(n=party)


def issue(guest_id: int) -> Pass | None:
    """Give a seated guest a pass if they have none; the new pass, or None (they had one, or
    are not seated)."""
    for _ in range(ATTEMPTS):
        try:
            with db.engine.begin() as connection:
                params = {"guest_id": guest_id, "code": pass_codes.new_code()}
                if connection.execute(ISSUE, params).first() is None:
                    return None
                row = connection.execute(CURRENT, {"guest_id": guest_id}).one()
        except IntegrityError:  # the code another guest has: draw again
            continue
        return Pass(row.pass_code, row.page_token, row.party)
    log.error("no free pass code for guest %s after %s draws", guest_id, ATTEMPTS)
    return None


def renew_and_send(guest_id: int) -> str | None:
    """In the session's transaction (the caller commits): give a seated guest without a valid
    pass a new one and queue it for the engine; the new code, or None (they have a valid
    pass, are not seated, or their event gives none)."""
    db.session.flush()  # the answer or party first: the database voids the old pass
    for _ in range(ATTEMPTS):
        try:
            with db.session.begin_nested():
                params = {"guest_id": guest_id, "code": pass_codes.new_code()}
                row = db.session.execute(ISSUE, params).first()
                if row is None:
                    return None
                pass_sends.queue_passes(db.session.connection(), [guest_id])
                return str(row.pass_code)
        except IntegrityError:  # the code another guest has: draw again
            continue
    log.error("no free pass code for guest %s after %s draws", guest_id, ATTEMPTS)
    return None


def current(guest_id: int) -> Pass | None:
    """The guest's valid pass, if they have one."""
    with db.engine.connect() as connection:
        row = connection.execute(CURRENT, {"guest_id": guest_id}).first()
    return None if row is None else Pass(row.pass_code, row.page_token, row.party)


def asks_again(body: str) -> bool:
    """Whether a message asks for the guest's pass ("pass", "pase", "تذكرة", ...)."""
    return " ".join(body.casefold().replace("?", " ").split()) in ASK_AGAIN


def none_yet(language: str) -> str:
    """What a guest without a pass is told when they ask for it."""
    return NONE_YET.get(language, NONE_YET["en"])


def image(page_token: str, code: str) -> bytes | None:
    """The PNG of a pass (its QR code holds the code as written, "K7QM-2XDP"), in the
    guest's language, or None when the page has no such pass (void or never given)."""
    with db.engine.connect() as connection:
        found = connection.execute(BY_PAGE, {"token": page_token, "code": code}).first()
    if found is None:
        return None
    language = guest_language(found.language, found.phone)
    shown = pass_codes.shown(code)
    card = pass_card.CardText(
        event=found.event_name,
        when=format_start(found.starts_at, found.time_zone, language),
        guest=(found.name or "").strip(),
        party=party_words(found.party, language),
        code=shown,
    )
    return pass_card.draw(shown, card)


def sample_image() -> bytes:
    """The sample card of the pass template (Meta fetches it to review the template)."""
    shown = pass_codes.shown(template_rules.SAMPLE_PASS_CODE)
    values = template_rules.SAMPLES["en"]
    card = pass_card.CardText(
        event=values["event"], when=values["when"], guest=values["guest"],
        party=values["party"], code=shown,
    )  # fmt: skip
    return pass_card.draw(shown, card)
