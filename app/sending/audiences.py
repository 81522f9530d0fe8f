"""Who a campaign sends to, by kind, and writing its rows (`fill`) in one statement or two.

- **invitation**: every guest of the event not invited yet (no invitation, or one that was
  canceled before it was sent);
- **the follow-on kinds** (reminder, follow-up, update, ...): the guests whose invitation is
  in the kind's audience (`app.sending.kinds`: who confirmed; who did not answer an
  invitation delivered `after_seconds` ago, never one that failed), with no row of the kind
  (and round: an update's change) yet.

In every case the guest must be reachable (not opted out, not known to be unreachable), and
a row of the kind that was canceled unsent counts as none: a new campaign takes it back.
The same conditions hold again when a row is claimed (`claims.refusal_of`): a guest who
declines after a reminder was queued is not reminded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, TextClause, text

from app.models.enums import MessageKind, Rsvp, states_text
from app.sending.kinds import FOLLOW_ONS, kind_of
from app.sending.reachability import REACHABLE
from app.sending.tallies import event_tallies

# Guests who would get an invitation from a new campaign of the event (`i`: their
# invitation, if any).
ELIGIBLE = f"""
    (i.id IS NULL OR i.send_state = :send_canceled) AND {REACHABLE}
"""

REOPEN_CANCELED = states_text(
    f"""
UPDATE invitations AS i
SET campaign_id = :campaign_id, send_state = :send_pending, next_attempt_at = now(),
    attempt_count = 0, error_code = NULL, error_reason = NULL, updated_at = now()
FROM guests AS g
WHERE g.id = i.guest_id AND g.event_id = :event_id AND i.kind = :kind_invitation
  AND {ELIGIBLE}
"""  # noqa: S608 - constant SQL fragments, no input
)

INSERT_INVITATIONS = states_text(
    f"""
INSERT INTO invitations (event_id, guest_id, kind, campaign_id, send_state, next_attempt_at,
                         attempt_count)
SELECT g.event_id, g.id, :kind_invitation, :campaign_id, :send_pending, now(), 0
FROM guests AS g LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = :kind_invitation
WHERE g.event_id = :event_id AND {ELIGIBLE}
ORDER BY g.id
ON CONFLICT (guest_id, kind, round) WHERE kind NOT IN ('reply', 'offer', 'pass') DO NOTHING
"""  # noqa: S608 - constant SQL fragments, no input
)

# The statements of a follow-on kind (reminder, follow-up...), written with its audience
# (`Kind.audience`, a condition on the guest's invitation `i`) inline, so that each plans
# with that kind's own indexes.

# The guests of one event the kind goes to, with their row of that kind (`r`).
AUDIENCE = """
FROM invitations AS i
JOIN guests AS g ON g.id = i.guest_id
LEFT JOIN invitations AS r ON r.guest_id = i.guest_id AND r.kind = :kind AND r.round = :round
WHERE i.event_id = :event_id AND i.kind = :kind_invitation AND {audience}
"""

# Its audience is counted as `meant - already - blocked`, each part driven by an index or a
# small set, never by a scan of the event's guests (at 100,000 guests a plain count with its
# anti-joins takes half a second):
# - meant: guests it is meant for: the event's tallies for a kind chosen by answer alone
#   (`Kind.answers`), else its audience (a follow-up's through `ix_invitations_unanswered`);
MEANT_COUNT = """
SELECT count(*) FROM invitations AS i
WHERE i.event_id = :event_id AND i.kind = :kind_invitation AND {audience}
"""
# - already: those who have a live row of the kind (`ix_invitations_follow_ons`);
ALREADY_COUNT = """
SELECT count(*) FROM invitations AS r
JOIN invitations AS i ON i.guest_id = r.guest_id AND i.kind = :kind_invitation
WHERE r.event_id = :event_id AND r.kind = :kind AND r.round = :round
  AND r.send_state <> :send_canceled AND {audience}
"""
# - blocked: the others who opted out or can never receive (the opt-out list, the event's
#   unreachable guests).
BLOCKED_COUNT = """
SELECT count(*) FROM (
    SELECT guest.id FROM opt_outs AS o CROSS JOIN LATERAL (
        SELECT g.id FROM guests AS g WHERE g.event_id = :event_id AND g.phone = o.phone
        LIMIT 1) AS guest
    UNION
    SELECT g.id FROM guests AS g WHERE g.event_id = :event_id AND g.unreachable_code IS NOT NULL
) AS blocked
JOIN invitations AS i ON i.guest_id = blocked.id AND i.kind = :kind_invitation
LEFT JOIN invitations AS r ON r.guest_id = blocked.id AND r.kind = :kind AND r.round = :round
WHERE {audience} AND (r.id IS NULL OR r.send_state = :send_canceled)
"""

# Rows for the guests of the audience that have none of this kind and round (or one
# canceled by another campaign), in one statement. The unique index on (guest_id, kind,
# round) makes it exactly once: a second fill of the same round (a second campaign, two
# saves racing) writes nothing for a guest who has one.
FILL = f"""
INSERT INTO invitations (event_id, guest_id, kind, round, campaign_id, send_state,
                         next_attempt_at, attempt_count)
SELECT i.event_id, i.guest_id, :kind, :round, :campaign_id, :send_pending, now(), 0
{AUDIENCE} AND {REACHABLE} AND (r.id IS NULL OR r.send_state = :send_canceled)
ORDER BY i.guest_id
ON CONFLICT (guest_id, kind, round) WHERE kind NOT IN ('reply', 'offer', 'pass') DO UPDATE
SET campaign_id = EXCLUDED.campaign_id, send_state = :send_pending, next_attempt_at = now(),
    attempt_count = 0, error_code = NULL, error_reason = NULL, updated_at = now()
WHERE invitations.send_state = :send_canceled
  AND invitations.campaign_id IS DISTINCT FROM EXCLUDED.campaign_id
"""  # noqa: S608 - constant SQL fragments, no input


@dataclass(frozen=True)
class FollowOnStatements:
    """A follow-on kind's statements, its audience written in."""

    fill: TextClause
    meant: TextClause
    already: TextClause
    blocked: TextClause

    @classmethod
    def of(cls, audience: str) -> FollowOnStatements:
        """The statements of a kind with this audience."""
        return cls(
            *(
                states_text(sql.replace("{audience}", audience))
                for sql in (FILL, MEANT_COUNT, ALREADY_COUNT, BLOCKED_COUNT)
            )
        )


STATEMENTS = {spec.kind: FollowOnStatements.of(spec.audience or "") for spec in FOLLOW_ONS}
# The tallies count a waitlisted guest's answer, but a reminder's audience leaves them out
# (`app.sending.kinds.SEATED`), as do its already and blocked counts: they are taken from the
# meant ones through the event's waitlist (`ix_guests_waitlist`, a small set).
WAITLISTED_COUNT = text("""
SELECT count(*) FROM guests AS g
JOIN invitations AS i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE g.event_id = :event_id AND g.waitlisted_at IS NOT NULL
  AND i.rsvp = ANY(CAST(:wanted AS text[]))
""")


@dataclass(frozen=True)
class Target:
    """What a campaign sends and to whom: its kind and the options of that kind."""

    event_id: int
    kind: str = MessageKind.INVITATION
    include_maybe: bool = False
    after_seconds: int = 0
    include_unanswered: bool = False
    round: int = 0  # an update's: the change it tells of
    changes: tuple[str, ...] = ()  # an update's: what changed ("time", "venue")

    def params(self) -> dict[str, object]:
        """The parameters of the audience statements."""
        return {
            "event_id": self.event_id,
            "kind": str(self.kind),
            "include_maybe": self.include_maybe,
            "after_seconds": self.after_seconds,
            "include_unanswered": self.include_unanswered,
            "round": self.round,
        }


@dataclass(frozen=True)
class FollowOnAudience:
    """A reminder's or follow-up's audience right now."""

    recipients: int  # would get one now
    already: int  # have one (queued, sent or failed)
    unreachable: int  # would, but opted out or can never receive


def count_follow_on(connection: Connection, target: Target) -> FollowOnAudience:
    """Count a follow-on kind's audience now (see MEANT_COUNT)."""
    params = target.params()
    statements = STATEMENTS[MessageKind(target.kind)]
    answers = kind_of(target.kind).answers
    if answers is not None:
        wanted = answers | ({Rsvp.MAYBE.value} if target.include_maybe else set())
        tallies = event_tallies(connection, [target.event_id])[target.event_id]
        meant = sum(t.n for t in tallies if t.rsvp in wanted)
        waiting = {"event_id": target.event_id, "wanted": sorted(wanted)}
        meant -= int(connection.execute(WAITLISTED_COUNT, waiting).scalar_one())
    else:
        meant = int(connection.execute(statements.meant, params).scalar_one())
    already = int(connection.execute(statements.already, params).scalar_one())
    blocked = int(connection.execute(statements.blocked, params).scalar_one())
    return FollowOnAudience(max(meant - already - blocked, 0), already, blocked)


def fill(connection: Connection, target: Target, campaign_id: int) -> int:
    """Queue the campaign's rows for its audience now; return how many were queued."""
    if target.kind == MessageKind.INVITATION:
        params = {"campaign_id": campaign_id, "event_id": target.event_id}
        reopened = connection.execute(REOPEN_CANCELED, params).rowcount
        return reopened + connection.execute(INSERT_INVITATIONS, params).rowcount
    fill_rows = STATEMENTS[MessageKind(target.kind)].fill
    return connection.execute(fill_rows, {**target.params(), "campaign_id": campaign_id}).rowcount
