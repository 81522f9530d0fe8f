"""The templates the organiser wrote and WhatsApp approved (`message_templates`), for the engine.

Environment SIDs win: a language's SID from `TWILIO_<KIND>_CONTENT_SIDS` over the approved
one of that language, which wins over the single `TWILIO_<KIND>_CONTENT_SID` (the fallback
of the languages that have neither); the approved English one is the last fallback.
Each approved content numbers its own variables (`{{1}}` may be the guest's page): its
`variables` say which engine value (`app.sending.message`) each number takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from app.config import ContentTemplates
from app.sending.kinds import kind_of

APPROVED = text(
    "SELECT kind, language, approved_sid, approved_variables FROM message_templates"
    " WHERE approved_sid IS NOT NULL"
)
# Submitted and not decided yet, or rejected with nothing approved before: per language.
UNDECIDED = text(
    "SELECT language, status, rejection_reason FROM message_templates"
    " WHERE kind = :kind AND approved_sid IS NULL"
    " AND status IN ('submitting', 'pending', 'rejected')"
    " ORDER BY language"
)
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Approved:
    """Approved content SIDs by template setting and language, and each one's variables."""

    by_setting: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    variables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def merged(self, environment: Mapping[str, ContentTemplates]) -> dict[str, ContentTemplates]:
        """The environment's templates with the approved ones under them (see the module)."""
        merged = dict(environment)
        for setting, languages in self.by_setting.items():
            env = environment.get(setting, ContentTemplates())
            merged[setting] = ContentTemplates(
                default=env.default or languages.get(FALLBACK_LANGUAGE),
                by_language={**languages, **env.by_language},
            )
        return merged


def load_approved(connection: Connection) -> Approved:
    """Read every approved template."""
    by_setting: dict[str, dict[str, str]] = {}
    variables: dict[str, dict[str, str]] = {}
    for row in connection.execute(APPROVED):
        setting = kind_of(row.kind).template_setting
        if setting is None:
            continue
        by_setting.setdefault(setting, {})[row.language] = row.approved_sid
        variables[row.approved_sid] = dict(row.approved_variables or {})
    return Approved(by_setting, variables)


@dataclass(frozen=True)
class Undecided:
    """A kind's templates WhatsApp has not approved yet (languages), or rejected (reasons)."""

    waiting: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()


def undecided(
    connection: Connection, kind: str, environment: Mapping[str, ContentTemplates]
) -> Undecided:
    """What a campaign of `kind` waits for: its languages under review, or rejected, that the
    environment does not cover."""
    setting = kind_of(kind).template_setting
    covered = environment.get(setting or "", ContentTemplates()).by_language
    waiting, rejected = [], []
    for row in connection.execute(UNDECIDED, {"kind": kind}):
        if row.language in covered:
            continue
        if row.status == "rejected":
            rejected.append((row.language, row.rejection_reason or "no reason given"))
        else:
            waiting.append(row.language)
    return Undecided(tuple(waiting), tuple(rejected))
