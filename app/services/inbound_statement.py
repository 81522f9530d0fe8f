"""The inbound webhook's one statement: find the guest a message comes from, store the
message once per MessageSid and apply what it says (an RSVP, a head count, an opt-out or
opt-in), atomically, in one round trip.

Each variant (the reading's kind, or a bare head count) includes only the parts it needs and
is prepared once per connection (`app.statements.Prepared`), so PostgreSQL plans it once.
"""

from __future__ import annotations

from types import MappingProxyType

from app.models import InboundKind
from app.services.replies import Reading
from app.statements import Prepared

# The variant of a bare head count: text that answers only a guest who said yes.
COUNT = "count"

# The invitation a message answers: the one it replies to, or whose reminder or follow-up
# it replies to (when the sender is that invitation's guest: a forwarded message tapped by
# someone else is not their answer), else
# the sender's latest (sent invitations first), else just the guest. Indexed lookups.
# What a head count is checked against: the answer and party the guest has, and how many
# they may bring besides themself (their own allowance, else the event's).
HEADS = """i.rsvp AS current_rsvp, i.rsvp_at AS current_rsvp_at, g.party_size,
               COALESCE(g.plus_ones, e.plus_ones) AS allowance,
               e.capacity IS NOT NULL AS capped, g.waitlisted_at IS NOT NULL AS waitlisted,
               EXISTS (SELECT 1 FROM questions q WHERE q.event_id = e.id) AS asks_questions,
               COALESCE(g.asking_question_id IS NOT NULL AND i.rsvp = 'confirmed'
                        AND EXISTS (SELECT 1 FROM answers a
                                    WHERE a.guest_id = g.id
                                      AND a.question_id = g.asking_question_id
                                      AND a.asked_at > :asked_since), false) AS asking,
               e.passes, g.pass_code IS NOT NULL AS has_pass"""
BY_REPLIED_SID = f"""
        SELECT 0 AS priority, i.id AS invitation_id, g.id AS guest_id, g.event_id,
               g.name AS guest_name, e.name AS event_name, i.accepted_at, i.created_at,
               g.language, e.language_from_replies, {HEADS}
        FROM invitations r
        JOIN invitations i ON i.guest_id = r.guest_id AND i.kind = 'invitation'
        JOIN guests g ON g.id = i.guest_id
        JOIN events e ON e.id = g.event_id
        WHERE r.message_sid = :replied_sid AND g.phone = :phone
        UNION ALL
"""  # noqa: S608 - a constant fragment
BY_PHONE = f"""
        SELECT 1 AS priority, i.id AS invitation_id, g.id AS guest_id, g.event_id,
               g.name AS guest_name, e.name AS event_name, i.accepted_at,
               COALESCE(i.created_at, g.created_at) AS created_at,
               g.language, e.language_from_replies, {HEADS}
        FROM guests g
        JOIN events e ON e.id = g.event_id
        LEFT JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation'
        WHERE g.phone = :phone
"""  # noqa: S608 - a constant fragment
# A reply to a SID no invitation has, while one of the sender's invitations is being sent
# (its outcome not recorded yet: a request unanswered, a worker killed): it most likely
# answers that invitation, so it waits for the SID to be recorded (`app.sending.statuses`)
# instead of landing on whichever invitation is the latest.
AWAITED = """
        SELECT 1 FROM guests g JOIN invitations i ON i.guest_id = g.id
        WHERE g.phone = :phone AND i.send_state = 'sending'
          AND NOT EXISTS (SELECT 1 FROM invitations WHERE message_sid = :replied_sid)
        LIMIT 1
"""
FIND_TARGET = """
    SELECT invitation_id, guest_id, event_id, guest_name, event_name, language,
           language_from_replies, current_rsvp, current_rsvp_at, party_size, allowance,
           capped, waitlisted, asks_questions, asking, passes, has_pass
    FROM ({candidates}) AS c
    ORDER BY priority, invitation_id IS NULL, accepted_at IS NULL,
             COALESCE(accepted_at, created_at) DESC, guest_id DESC
    LIMIT 1
"""

# Stored unless its MessageSid is known, in which case nothing else happens, or the guest
# is being asked one of their event's questions (`asking`, within the day): then nothing is
# stored until the message is read against the question (`app.services.question_flow`), and
# it comes back with :questions_read when it answers none. An RSVP with
# no invitation to apply to is kept as text, and so is one whose party does not fit (0, or
# more than 1 + the allowance): the guest is told their allowance, the organiser sees it.
STORE_MESSAGE = """
    message AS (
        INSERT INTO inbound_messages
            (message_sid, from_phone, to_phone, body, kind, button_payload, rsvp, party_size,
             replied_message_sid, profile_name, guest_id, event_id, params, received_at)
        SELECT :message_sid, :from_address, :to_address, :body, {kind}, :button_payload,
               {rsvp}, :party, :replied_sid, :profile_name, target.guest_id, target.event_id,
               :params, :received_at
        FROM (VALUES (1)) AS one LEFT JOIN target ON true
        WHERE :questions_read OR NOT COALESCE(target.asking, false)
        ON CONFLICT (message_sid) DO NOTHING
        RETURNING id, kind, rsvp
    )
"""
PARTY_FITS = ":party BETWEEN 1 AND 1 + target.allowance"
STORED_AS = MappingProxyType(
    {
        "plain": ("CAST(:kind AS text)", ":rsvp"),
        InboundKind.RSVP: (
            f"""CASE WHEN target.invitation_id IS NULL
                          AND NOT EXISTS (SELECT 1 FROM awaited) THEN 'text'
                     WHEN target.invitation_id IS NOT NULL AND :party IS NOT NULL
                          AND :rsvp <> 'declined' AND NOT ({PARTY_FITS}) THEN 'text'
                     ELSE 'rsvp' END""",  # noqa: S608 - constant fragments
            ":rsvp",
        ),
        # A bare count ("3", "+1") sizes the party of a guest who said yes (or maybe).
        COUNT: (
            f"""CASE WHEN target.current_rsvp IN ('confirmed', 'maybe') AND {PARTY_FITS}
                     THEN 'rsvp' ELSE 'text' END""",
            f"""CASE WHEN target.current_rsvp IN ('confirmed', 'maybe') AND {PARTY_FITS}
                     THEN target.current_rsvp END""",
        ),
    }
)

# A guest who typed in another language is written to in it from now on, when their event
# lets replies change a guest's language (`Reading.written_in`).
ADOPT_LANGUAGE = """,
    adopted AS (
        UPDATE guests SET language = :written_in
        FROM message, target
        WHERE guests.id = target.guest_id AND target.language_from_replies
          AND :written_in IS NOT NULL AND guests.language IS DISTINCT FROM :written_in
    )"""
# An answer also sets the party (in the same UPDATE as the language: one statement may
# update a row once): the size it stated, else the one said before; a "no" clears it.
# Like the answer, only when no newer one was recorded.
NEW_LANGUAGE = (
    "CASE WHEN target.language_from_replies AND :written_in IS NOT NULL"
    " THEN :written_in ELSE guests.language END"
)
NEW_PARTY = """CASE WHEN message.kind <> 'rsvp' OR target.invitation_id IS NULL
                  OR target.current_rsvp_at > :received_at THEN guests.party_size
             WHEN message.rsvp = 'declined' THEN NULL
             ELSE COALESCE(:party, guests.party_size) END"""
# An answer applied to an event with a capacity is undecided until the waitlist seats or
# waitlists it (`app.sending.waitlist.decide`, right after this statement, or by the sweep
# if this process dies first): it arrived at :received_at (the earliest undecided one
# counts), and until then the guest holds only the heads they held before (their party when
# seated, else none), so a crash in between never counts them as seated past the capacity.
UNDECIDED = """target.capped AND message.kind = 'rsvp' AND target.invitation_id IS NOT NULL
                  AND (target.current_rsvp_at IS NULL
                       OR target.current_rsvp_at <= :received_at)"""
NEW_PENDING_AT = f"""CASE WHEN {UNDECIDED}
                  THEN LEAST(guests.seat_pending_at, :received_at)
                  ELSE guests.seat_pending_at END"""
NEW_HELD = f"""CASE WHEN {UNDECIDED} THEN COALESCE(guests.seat_held,
                      CASE WHEN target.current_rsvp = 'confirmed' AND guests.waitlisted_at IS NULL
                           THEN COALESCE(guests.party_size, 1) ELSE 0 END)
             ELSE guests.seat_held END"""
ADOPT_LANGUAGE_AND_PARTY = f""",
    adopted AS (
        UPDATE guests SET language = {NEW_LANGUAGE}, party_size = {NEW_PARTY},
                          seat_pending_at = {NEW_PENDING_AT}, seat_held = {NEW_HELD}
        FROM message, target
        WHERE guests.id = target.guest_id
          AND (guests.language IS DISTINCT FROM {NEW_LANGUAGE}
               OR guests.party_size IS DISTINCT FROM {NEW_PARTY}
               OR ({UNDECIDED}))
    )"""  # noqa: S608 - constant fragments

# A newer STOP or START from the same sender wins over one replayed late from the spool.
NO_NEWER_CHOICE = """
    NOT EXISTS (
        SELECT 1 FROM inbound_messages
        WHERE from_phone = :from_address AND kind IN ('optout', 'optin')
          AND received_at > :received_at
    )
"""

# What each kind of message changes. The invitation keeps the latest answer by arrival
# time (a replayed older message never overwrites a newer one); every answer is kept.
APPLY = MappingProxyType(
    {
        InboundKind.TEXT: "",
        InboundKind.RSVP: """,
    answer AS (
        UPDATE invitations SET rsvp = message.rsvp, rsvp_at = :received_at, updated_at = now()
        FROM message, target
        WHERE message.kind = 'rsvp' AND invitations.id = target.invitation_id
          AND (invitations.rsvp_at IS NULL OR invitations.rsvp_at <= :received_at)
    ),
    history AS (
        INSERT INTO rsvp_responses (invitation_id, rsvp, inbound_message_id, created_at)
        SELECT target.invitation_id, message.rsvp, message.id, :received_at
        FROM message, target WHERE message.kind = 'rsvp'
    )""",
        InboundKind.OPTOUT: f""",
    opt_out AS (
        INSERT INTO opt_outs (phone, source, keyword, created_at)
        SELECT :e164, 'keyword', :keyword, :received_at FROM message
        WHERE :e164 IS NOT NULL AND {NO_NEWER_CHOICE}
        ON CONFLICT (phone) DO UPDATE SET
            source = excluded.source, keyword = excluded.keyword, created_at = excluded.created_at
    )""",  # noqa: S608 - a constant fragment
        InboundKind.OPTIN: f""",
    opt_in AS (
        DELETE FROM opt_outs USING message
        WHERE opt_outs.phone = :e164 AND {NO_NEWER_CHOICE}
    )""",  # noqa: S608 - a constant fragment
    }
)


PARAMETER_TYPES = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "replied_sid",
                "phone",
                "message_sid",
                "from_address",
                "to_address",
                "body",
                "kind",
                "button_payload",
                "profile_name",
                "rsvp",
                "e164",
                "keyword",
                "written_in",
            ),
            "text",
        ),
        "params": "jsonb",
        "received_at": "timestamptz",
        "asked_since": "timestamptz",
        "questions_read": "boolean",
        "party": "integer",
    }
)


# What the reader may make of a message (an answer to a question is recorded apart).
READ_KINDS = tuple(kind for kind in InboundKind if kind is not InboundKind.ANSWER)


def _record_and_apply(variant: str, by_replied_sid: bool) -> Prepared:
    """One statement (one round trip, atomic) that finds, stores and applies a message.

    `variant` is the reading's kind, or COUNT for a bare head count. Only the parts a
    message needs are included; each variant is prepared once per connection, so
    PostgreSQL plans it once.
    """
    candidates = (BY_REPLIED_SID if by_replied_sid else "") + BY_PHONE
    answers = variant in (InboundKind.RSVP, COUNT)
    awaited = AWAITED if by_replied_sid and variant == InboundKind.RSVP else "SELECT 1 WHERE false"
    kind, rsvp = STORED_AS.get(variant, STORED_AS["plain"])
    apply = APPLY[InboundKind.RSVP if variant == COUNT else InboundKind(variant)]
    ctes = f"""
        awaited AS ({awaited}),
        target AS (
            SELECT * FROM ({FIND_TARGET.format(candidates=candidates)}) AS found
            WHERE NOT EXISTS (SELECT 1 FROM awaited)),
        {STORE_MESSAGE.format(kind=kind, rsvp=rsvp)}{apply}
        {ADOPT_LANGUAGE_AND_PARTY if answers else ADOPT_LANGUAGE}
    """  # noqa: S608 - constant fragments
    select = """
        SELECT message.id AS message_id, message.kind, target.*
        FROM (VALUES (1)) AS one LEFT JOIN message ON true LEFT JOIN target ON true
    """
    name = f"record_inbound_{variant}" + ("_by_sid" if by_replied_sid else "")
    return Prepared(name, ctes, select, PARAMETER_TYPES)


RECORD_AND_APPLY = MappingProxyType(
    {
        (variant, by_sid): _record_and_apply(variant, by_sid)
        for variant in (*(kind.value for kind in READ_KINDS), COUNT)
        for by_sid in (False, True)
    }
)


def variant_of(reading: Reading) -> str:
    """The statement variant a reading needs: its kind, or COUNT for a bare head count."""
    if reading.kind is InboundKind.TEXT and reading.party is not None:
        return COUNT
    return reading.kind.value
