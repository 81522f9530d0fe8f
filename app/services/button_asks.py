"""Queue a question with buttons as its own session message, sent by the engine once.

The webhook answers its confirmation at once in TwiML, which cannot carry a `ContentSid`:
the question with buttons follows as a reply row (kind `reply`, `content_key` naming the
content in `button_contents`, `body` its text question), so the engine sends it exactly
once from PostgreSQL (claims, attempt rows, reconciliation after a `kill -9`, the sweep
after a Redis flush) a moment after the confirmation. If the content cannot be created or
a send with it is refused, the engine sends `body` instead
(`app.sending.button_contents`).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from app.extensions import db
from app.services.buttons import Buttons
from app.services.campaigns import wake_sender

# The confirmation goes in the webhook's answer; the buttons follow it this much later.
AFTER_CONFIRMATION = 2.0

CONTENT = text("""
INSERT INTO button_contents (key, request) VALUES (:key, CAST(:request AS jsonb))
ON CONFLICT (key) DO NOTHING
""")
QUEUE = text("""
INSERT INTO invitations (event_id, guest_id, kind, body, content_key, by_service, send_state,
                         next_attempt_at, attempt_count, created_at)
SELECT g.event_id, g.id, 'reply', :body, :key, true, 'pending',
       now() + make_interval(secs => :after), 0, now()
FROM guests g WHERE g.id = :guest_id
""")


def queue(connection: Connection, guest_id: int, words: str, buttons: Buttons) -> None:
    """Queue `buttons` for the guest, with `words` (the text question) as its fallback, in
    the caller's transaction."""
    request = buttons.content_request()
    key = buttons.key
    connection.execute(CONTENT, {"key": key, "request": json.dumps(request, ensure_ascii=False)})
    params = {"guest_id": guest_id, "body": words, "key": key, "after": AFTER_CONFIRMATION}
    connection.execute(QUEUE, params)


def queue_alone(guest_id: int, words: str, buttons: Buttons) -> None:
    """Queue `buttons` in a transaction of its own, and wake a sender."""
    with db.engine.begin() as connection:
        queue(connection, guest_id, words, buttons)
    wake()


def wake() -> None:
    """Ask a worker to drain (the sweep finds the row anyway if Redis is down)."""
    wake_sender()
