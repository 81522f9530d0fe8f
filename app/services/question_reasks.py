"""Ask a question once more of a guest who has not answered it (the worker's sweep).

A guest asked a question who writes nothing for `REASK_AFTER` is asked it once more, while
WhatsApp's 24-hour window their last message opened is still open: a reply row (kind
`reply`, sent by the engine exactly once, which checks the window again when it claims it).
The row lock on the answer and `asks` (at most 2) make it once per guest and question, under
concurrent sweeps and after a crash. A guest who declined since, or answered, is not asked.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Engine, text

from app.models import MessageKind, Question, QuestionKind
from app.sending.languages import guest_language
from app.services import button_asks, question_wording
from app.services.buttons import choice_buttons
from app.services.question_flow import MOST_ASKS

log = logging.getLogger(__name__)

# How long a question waits for its answer before it is asked once more.
REASK_AFTER = timedelta(hours=4)
# The window closes 24 hours after the guest's message that the question answered; a reply
# queued later than this before it would likely miss it.
WINDOW_LEFT = timedelta(hours=1)
# Guests asked again per sweep (the rest on the next one).
BATCH = 200

DUE = text("""
SELECT a.guest_id, a.question_id, g.event_id, g.language, g.phone, q.position, q.kind,
       q.wording, q.choices, (SELECT count(*) FROM questions WHERE event_id = g.event_id) AS total
FROM answers a
JOIN guests g ON g.id = a.guest_id AND g.asking_question_id = a.question_id
JOIN questions q ON q.id = a.question_id
JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation' AND i.rsvp = 'confirmed'
WHERE a.answered_at IS NULL AND a.asks < :most_asks
  AND a.asked_at < now() - :reask_after
  AND a.asked_at > now() - interval '24 hours' + :window_left
  AND NOT EXISTS (SELECT 1 FROM inbound_messages m
                  WHERE m.guest_id = g.id AND m.received_at > a.asked_at)
ORDER BY a.asked_at
LIMIT :batch
FOR UPDATE OF a SKIP LOCKED
""")
ASKED_AGAIN = text("""
UPDATE answers SET asks = asks + 1, asked_at = now()
WHERE guest_id = :guest_id AND question_id = :question_id
""")
QUEUE = text("""
INSERT INTO invitations (event_id, guest_id, kind, body, by_service, send_state,
                         next_attempt_at, attempt_count, created_at)
VALUES (:event_id, :guest_id, :kind, :body, true, 'pending', now(), 0, now())
""")


def reask_silent(engine: Engine) -> int:
    """Queue the question once more for each guest who left it unanswered; how many."""
    params = {
        "most_asks": MOST_ASKS,
        "reask_after": REASK_AFTER,
        "window_left": WINDOW_LEFT,
        "batch": BATCH,
    }
    with engine.begin() as connection:
        rows = connection.execute(DUE, params).all()
        for row in rows:
            question = Question(
                id=row.question_id,
                position=row.position,
                kind=QuestionKind(row.kind),
                wording=row.wording,
                choices=row.choices,
            )
            language = guest_language(row.language, row.phone)
            body = question_wording.ask(question, row.total, language)
            ids = {"guest_id": row.guest_id, "question_id": row.question_id}
            connection.execute(ASKED_AGAIN, ids)
            heading = question_wording.heading(question, row.total, language)
            buttons = choice_buttons(question, heading, language)
            if buttons is not None:  # a one-choice question goes with its buttons again
                button_asks.queue(connection, row.guest_id, body, buttons)
                continue
            connection.execute(
                QUEUE,
                {
                    "event_id": row.event_id,
                    "guest_id": row.guest_id,
                    "kind": MessageKind.REPLY.value,
                    "body": body,
                },
            )
    if rows:
        log.info("asked %s guest(s) an unanswered question once more", len(rows))
    return len(rows)
