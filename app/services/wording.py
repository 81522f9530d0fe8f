"""How guests are written to, for the views: the sender's own rules, so both read the same.

- `guest_language`: the stored language, else the phone's country's, else en.
- `format_start`: an event's start as a person reads it, in the event's zone.
"""

from __future__ import annotations

from app.sending.languages import guest_language
from app.sending.message import format_start

__all__ = ["format_start", "guest_language"]
