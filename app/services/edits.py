"""Why an organiser's correction of a guest or an event was refused: one error per answer.

The API answers them 400, 404 and 409; the dashboard shows their message. Each is raised
before anything is written, or after the transaction was rolled back: a refused correction
changes nothing.
"""

from __future__ import annotations


class EditError(Exception):
    """A value that can't be stored as asked (the message says which and why); `field`
    names it when one field is the cause (a form shows the message beside it)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EditMissing(EditError):
    """No such guest or event."""


class EditConflict(EditError):
    """The change does not fit what is going on (a message in flight, a running campaign,
    another guest with that number)."""
