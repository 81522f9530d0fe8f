"""Read and compact the running counts of guests and invitations (see app.models.tally).

Reading a count sums a key's delta rows: a handful once compacted, a few hundred more for
a busy campaign between two compactions. `compact_tallies` folds every visible delta into
one row per key; deltas committed meanwhile are not visible to it and stay for the next
pass, so counts are exact whatever runs concurrently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

KEY = "event_id, campaign_id, send_state, delivery_status, rsvp, error_code"

COMPACT_INVITATIONS = text(f"""
WITH gone AS (DELETE FROM invitation_tallies RETURNING {KEY}, n)
INSERT INTO invitation_tallies ({KEY}, n)
SELECT {KEY}, CAST(sum(n) AS bigint) FROM gone GROUP BY {KEY} HAVING sum(n) <> 0
""")  # noqa: S608 - a constant column list

COMPACT_GUESTS = text("""
WITH gone AS (DELETE FROM guest_tallies RETURNING event_id, n)
INSERT INTO guest_tallies (event_id, n)
SELECT event_id, CAST(sum(n) AS bigint) FROM gone GROUP BY event_id HAVING sum(n) <> 0
""")

# Rows a compaction would remove: deltas beyond one row per key.
EXCESS = text(f"""
SELECT (SELECT count(*) - count(DISTINCT ({KEY})) FROM invitation_tallies)
     + (SELECT count(*) - count(DISTINCT event_id) FROM guest_tallies)
""")  # noqa: S608 - a constant column list
COMPACT_ABOVE = 500
# One compaction at a time across workers (a second one would only redo the work).
COMPACT_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('compact-tallies'))")

BY_CAMPAIGNS = text("""
SELECT campaign_id, send_state, delivery_status, rsvp, error_code, CAST(sum(n) AS bigint) AS n
FROM invitation_tallies WHERE campaign_id = ANY(CAST(:ids AS integer[]))
GROUP BY campaign_id, send_state, delivery_status, rsvp, error_code
HAVING sum(n) <> 0
""")

# An event's invitations only: its reminders' and follow-ups' rows count in their campaigns.
BY_EVENT = text("""
SELECT event_id, send_state, delivery_status, rsvp, error_code, CAST(sum(n) AS bigint) AS n
FROM invitation_tallies WHERE event_id = ANY(CAST(:ids AS integer[]))
  AND (campaign_id IS NULL OR campaign_id NOT IN (
      SELECT c.id FROM campaigns AS c
      WHERE c.event_id = ANY(CAST(:ids AS integer[])) AND c.kind <> 'invitation'))
GROUP BY event_id, send_state, delivery_status, rsvp, error_code
HAVING sum(n) <> 0
""")

GUESTS = text("""
SELECT event_id, CAST(sum(n) AS bigint) AS n FROM guest_tallies
WHERE event_id = ANY(CAST(:ids AS integer[])) GROUP BY event_id
""")


@dataclass(frozen=True)
class Tally:
    """How many invitations share one combination of states."""

    send_state: str
    delivery_status: str | None
    rsvp: str | None
    error_code: int | None
    n: int


def campaigns_tallies(
    connection: Connection, campaign_ids: Sequence[int]
) -> dict[int, list[Tally]]:
    """Each campaign's invitations, counted per combination of states (one query)."""
    found: dict[int, list[Tally]] = {campaign_id: [] for campaign_id in campaign_ids}
    for row in connection.execute(BY_CAMPAIGNS, {"ids": list(campaign_ids)}):
        found[row.campaign_id].append(Tally(*row[1:]))
    return found


def event_tallies(connection: Connection, event_ids: Sequence[int]) -> dict[int, list[Tally]]:
    """Each event's invitations, counted per combination of states (one query)."""
    found: dict[int, list[Tally]] = {event_id: [] for event_id in event_ids}
    for row in connection.execute(BY_EVENT, {"ids": list(event_ids)}):
        found[row.event_id].append(Tally(*row[1:]))
    return found


def guest_counts(connection: Connection, event_ids: Sequence[int]) -> dict[int, int]:
    """How many guests each event has (one query)."""
    counts = dict.fromkeys(event_ids, 0)
    for row in connection.execute(GUESTS, {"ids": list(event_ids)}):
        counts[row.event_id] = int(row.n)
    return counts


def compact_tallies(connection: Connection, force: bool = False) -> bool:
    """Fold the deltas into one row per key, when there are enough; return whether it did."""
    if not force and int(connection.execute(EXCESS).scalar_one()) < COMPACT_ABOVE:
        return False
    if not connection.execute(COMPACT_LOCK).scalar_one():
        return False
    connection.execute(COMPACT_INVITATIONS)
    connection.execute(COMPACT_GUESTS)
    return True
