"""How guests are written to, for the views: the sender's own rules, so both read the same.

- `guest_language`: the stored language, else the phone's country's, else en.
- `format_start`: an event's start as a person reads it, in the event's zone.
- `invitation_text`: the plain-text invitation of an event in a language.
- `notice_preview`: what an update or cancellation says in a language: the template and its
  variables when one is configured, else the plain words (sent inside the 24-hour window).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Event
from app.sending.languages import guest_language
from app.sending.message import (
    Invitee,
    MessageDefaults,
    content_variables,
    format_start,
    invitation_body,
)

__all__ = ["NoticePreview", "format_start", "guest_language", "invitation_text", "notice_preview"]


@dataclass(frozen=True)
class NoticePreview:
    """What a notice says in one language."""

    language: str
    template: str | None  # the approved template's SID, when one is configured
    variables: dict[str, str]  # what fills the template
    text: str  # the plain words, sent only inside the guest's 24-hour window


def invitation_text(
    event: Event, language: str, name: str = "Ana", kind: str = "invitation"
) -> str:
    """The plain-text invitation (or notice of `kind`) of the event in `language`, for a
    guest called `name`."""
    invitee = Invitee(
        name, "", event.name, event.starts_at, event.venue, None, event.time_zone, language, kind
    )
    return invitation_body(invitee)


def notice_preview(
    event: Event, kind: str, language: str, defaults: MessageDefaults, name: str = "Ana"
) -> NoticePreview:
    """What an update or cancellation of the event says in `language`, to a guest `name`."""
    invitee = Invitee(
        name, "", event.name, event.starts_at, event.venue, None, event.time_zone, language, kind
    )
    return NoticePreview(
        language,
        defaults.template_for(language, kind),
        content_variables(invitee),
        invitation_body(invitee),
    )
