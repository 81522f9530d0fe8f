"""A guest's pass sent by the engine, outside a reply: once per pass and change of its event.

A pass normally rides on the reply to the guest's yes (TwiML `<Media>`). When the organiser
gives it (a yes recorded by hand, a new party, which voids the old pass) or the event
changes what its card shows (the time, the venue), the engine sends it as a `pass` message:
one `invitations` row per guest, pass and round (`uq_invitations_pass`, the round being the
event's `calendar_sequence` when queued), inserted in the transaction that gave the pass or
told of the change, so a crash sends it once or not at all, and the claim, attempt and
reconciliation path of every kind sends it exactly once through a worker's `kill -9`.

It goes as free-form media (the pass's words and its image, `MediaUrl`) when the guest wrote
in the last 24 hours, else as the `pass` template (`TWILIO_PASS_CONTENT_SID(S)` or the
Messages page's approved one: a `twilio/media` content whose media URL carries the image's
unguessable path as a variable, `pass_path`); with neither it is refused with 63016's reason.
It is withdrawn at its claim when the guest's pass is no longer the one it carries. Every
function takes a `Connection` inside a transaction the caller owns.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.models.enums import MessageKind, states_text
from app.sending.languages import guest_language
from app.sending.message import MessageDefaults

# The pass of each guest of `ids` who holds one (seated, their event gives passes, not
# canceled), queued once per pass and round.
QUEUE_GUESTS = states_text("""
INSERT INTO invitations (event_id, guest_id, kind, round, pass_code, send_state,
                         next_attempt_at, attempt_count)
SELECT g.event_id, g.id, :kind_pass, e.calendar_sequence, g.pass_code, :send_pending, now(), 0
FROM guests AS g JOIN events AS e ON e.id = g.event_id
WHERE g.id = ANY(CAST(:ids AS integer[])) AND g.pass_code IS NOT NULL AND e.passes
  AND e.canceled_at IS NULL
ON CONFLICT (guest_id, pass_code, round) WHERE kind = 'pass' DO NOTHING
RETURNING id
""")
# The event's pass holders, and whether each wrote in the last 24 hours (WhatsApp's window).
HOLDERS_WINDOWS = text("""
SELECT g.phone, g.language, EXISTS (
    SELECT 1 FROM inbound_messages AS m
    WHERE m.from_phone = 'whatsapp:' || g.phone
      AND m.received_at > now() - make_interval(hours => 24)) AS window_open
FROM guests AS g JOIN events AS e ON e.id = g.event_id
WHERE g.event_id = :event_id AND g.pass_code IS NOT NULL AND e.passes
""")
# Every guest of the event holding a pass (its card changed).
EVENT_HOLDERS = states_text("""
SELECT g.id FROM guests AS g WHERE g.event_id = :event_id AND g.pass_code IS NOT NULL
""")


def queue_passes(connection: Connection, guest_ids: list[int]) -> int:
    """Queue the current pass of each of these guests who holds one; return how many were
    queued (a pass already queued for this round is not queued again)."""
    if not guest_ids:
        return 0
    return len(connection.execute(QUEUE_GUESTS, {"ids": guest_ids}).all())


def queue_event_passes(connection: Connection, event_id: int) -> int:
    """Queue the pass of every guest of the event who holds one (its card changed: the
    round is the event's new `calendar_sequence`); return how many were queued."""
    ids = list(connection.execute(EVENT_HOLDERS, {"event_id": event_id}).scalars())
    return queue_passes(connection, ids)


def unsendable_passes(
    connection: Connection, event_id: int, defaults: MessageDefaults
) -> tuple[int, int]:
    """The event's pass holders, and how many of them a pass could not reach now: their
    24-hour window is closed and their language has no `pass` template."""
    rows = connection.execute(HOLDERS_WINDOWS, {"event_id": event_id}).all()
    closed = sum(
        1
        for row in rows
        if not row.window_open
        and defaults.template_for(guest_language(row.language, row.phone), MessageKind.PASS) is None
    )
    return len(rows), closed
