"""How guests are written to, for the views: the sender's own rules, so both read the same.

- `guest_language`: the stored language, else the phone's country's, else en.
- `format_start`: an event's start as a person reads it, in the event's zone.
- `invitation_text`: the plain-text invitation of an event in a language.
"""

from __future__ import annotations

from app.models import Event
from app.sending.languages import guest_language
from app.sending.message import Invitee, format_start, invitation_body

__all__ = ["format_start", "guest_language", "invitation_text"]


def invitation_text(event: Event, language: str, name: str = "Ana") -> str:
    """The plain-text invitation of the event in `language`, for a guest called `name`."""
    invitee = Invitee(
        name, "", event.name, event.starts_at, event.venue, None, event.time_zone, language
    )
    return invitation_body(invitee)
