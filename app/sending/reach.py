"""Who a campaign would reach, per guest language, and which templates its start depends on.

A guest gets the template of their language, else the kind's default (the environment's
single SID, else the approved English one), else a plain body where the kind allows one
(`app.sending.message.build_params`). So a template WhatsApp has not approved yet (or has
rejected) holds back a campaign only when that campaign has guests who would get it: guests
of its language, or, when it is the English fallback and no default is set, guests whose
language has no template of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, TextClause

from app.config import ContentTemplates
from app.models.enums import MessageKind, states_text
from app.sending.approved import FALLBACK_LANGUAGE, Undecided
from app.sending.audiences import AUDIENCE, ELIGIBLE, Target
from app.sending.kinds import FOLLOW_ONS
from app.sending.languages import guest_language
from app.sending.reachability import REACHABLE

# Per language (a guest without one: the country code of their number, for `guest_language`),
# the guests a new campaign would write to, and (asked for) those who wrote in the last 24
# hours: WhatsApp's window for a plain message.
SELECT = """
SELECT g.language, CASE WHEN g.language IS NULL THEN left(g.phone, 4) END AS prefix,
    count(*) AS guests,
    count(*) FILTER (WHERE :with_window AND EXISTS (
        SELECT 1 FROM inbound_messages AS m
        WHERE m.from_phone = 'whatsapp:' || g.phone
          AND m.received_at > now() - make_interval(hours => 24))) AS in_window
"""
INVITATION_LANGUAGES = states_text(
    f"""{SELECT}
FROM guests AS g LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = :kind_invitation
WHERE g.event_id = :event_id AND {ELIGIBLE}
GROUP BY 1, 2
"""
)
FOLLOW_ON = f"""{SELECT}
{AUDIENCE} AND {REACHABLE} AND (r.id IS NULL OR r.send_state = :send_canceled)
GROUP BY 1, 2
"""
FOLLOW_ON_LANGUAGES: dict[str, TextClause] = {
    spec.kind: states_text(FOLLOW_ON.replace("{audience}", spec.audience or ""))
    for spec in FOLLOW_ONS
}


@dataclass(frozen=True)
class LanguageCount:
    """A campaign's guests of one language, and those of them inside the 24-hour window."""

    language: str
    guests: int
    in_window: int = 0


def count_languages(
    connection: Connection, target: Target, with_window: bool = False
) -> list[LanguageCount]:
    """The guests a campaign of `target` would write to now, per language (most first);
    with `with_window`, how many of them wrote in the last 24 hours."""
    if target.kind == MessageKind.INVITATION:
        statement = INVITATION_LANGUAGES
        params: dict[str, object] = {"event_id": target.event_id}
    else:
        statement = FOLLOW_ON_LANGUAGES[MessageKind(target.kind)]
        params = target.params()
    counts: dict[str, list[int]] = {}
    for row in connection.execute(statement, {**params, "with_window": with_window}):
        language = guest_language(row.language, row.prefix)
        found = counts.setdefault(language, [0, 0])
        found[0] += row.guests
        found[1] += row.in_window
    ordered = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
    return [LanguageCount(language, n, window) for language, (n, window) in ordered]


def depends_on(language: str, undecided_language: str, templates: ContentTemplates) -> bool:
    """Whether a guest of `language` would get the template of `undecided_language` once it
    is approved: their own language's, or the English fallback when they have neither their
    own nor a default."""
    if language == undecided_language:
        return True
    return (
        undecided_language == FALLBACK_LANGUAGE
        and language not in templates.by_language
        and templates.default is None
    )


def held_by(
    review: Undecided, languages: list[LanguageCount], templates: ContentTemplates
) -> Undecided:
    """The undecided templates some of these guests depend on (the others hold nothing)."""
    present = [count.language for count in languages if count.guests]

    def needed(undecided_language: str) -> bool:
        return any(depends_on(lang, undecided_language, templates) for lang in present)

    return Undecided(
        tuple(language for language in review.waiting if needed(language)),
        tuple((language, reason) for language, reason in review.rejected if needed(language)),
    )
