"""Tallies: the counts kept by triggers always equal a count of the rows, compaction or not."""

from __future__ import annotations

import random
from collections import Counter

from flask import Flask
from sqlalchemy import Connection, Engine, text

from app.sending import claims, tallies
from app.sending.results import Accepted, Failed, HandBack, Retry, write_results
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.factories import insert_guests

ROWS = text("""
SELECT event_id, campaign_id, send_state, delivery_status, rsvp, error_code, count(*) AS n
FROM invitations GROUP BY 1, 2, 3, 4, 5, 6
""")
SUMS = text("""
SELECT event_id, campaign_id, send_state, delivery_status, rsvp, error_code, sum(n) AS n
FROM invitation_tallies GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0
""")
GUEST_ROWS = text("SELECT event_id, count(*) FROM guests GROUP BY event_id")
GUEST_SUMS = text("SELECT event_id, sum(n) FROM guest_tallies GROUP BY event_id HAVING sum(n) <> 0")


def counted(connection: Connection) -> tuple[Counter[tuple], Counter[tuple]]:
    """(rows counted, tallies summed), for invitations and guests together."""
    rows = Counter({tuple(row[:-1]): row.n for row in connection.execute(ROWS)})
    sums = Counter({tuple(row[:-1]): int(row.n) for row in connection.execute(SUMS)})
    rows.update({("guests", row[0]): row[1] for row in connection.execute(GUEST_ROWS)})
    sums.update({("guests", row[0]): int(row[1]) for row in connection.execute(GUEST_SUMS)})
    return rows, sums


def assert_tallies_match(engine: Engine) -> None:
    """The tallies sum to exactly what counting the rows gives."""
    with engine.connect() as connection:
        rows, sums = counted(connection)
    assert sums == rows


def test_tallies_follow_every_kind_of_change(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    rng = random.Random(7)
    first = campaigns.create_campaign(insert_guests(send_env["DATABASE_URL"], 300))[0].id
    second_event = insert_guests(send_env["DATABASE_URL"], 200, event_name="Other", start=1000)
    campaigns.create_campaign(second_event)
    assert_tallies_match(engine)
    for round_ in range(12):
        with engine.begin() as connection:
            batch = claims.claim_due(connection, f"w{round_}", SENDER, rng.randint(10, 60), 30)
        results = []
        for claim in batch.claims:
            ids = (claim.invitation_id, claim.attempt_id)
            results.append(
                rng.choice(
                    [
                        Accepted(*ids, f"SM{claim.invitation_id:032x}", "queued", 201),
                        Failed(*ids, claim.guest_id, claim.invitee.phone, 63024, "no", 400, "x"),
                        Retry(*ids, 0.0, 500, "busy", 500, "x"),
                        HandBack(*ids),
                    ]
                )
            )
        with engine.begin() as connection:
            write_results(connection, f"w{round_}", results, unknown_hold=1)
            connection.execute(
                text(
                    "UPDATE invitations SET delivery_status = 'read', rsvp = 'confirmed' "
                    "WHERE id IN (SELECT id FROM invitations WHERE send_state = 'accepted' "
                    "ORDER BY random() LIMIT 5)"
                )
            )
            if round_ % 3 == 0:
                tallies.compact_tallies(connection, force=True)
        if round_ == 4:
            campaigns.pause(first)
        if round_ == 6:
            campaigns.resume(first)
        assert_tallies_match(engine)
    with engine.begin() as connection:
        # Deleting guests (and, by cascade, their invitations) counts down too.
        connection.execute(text("DELETE FROM guests WHERE id % 7 = 0"))
        connection.execute(text("DELETE FROM events WHERE id = :e"), {"e": second_event})
    assert_tallies_match(engine)
    with engine.begin() as connection:
        tallies.compact_tallies(connection, force=True)
        kept = connection.execute(text("SELECT count(*) FROM invitation_tallies")).scalar_one()
        keys = connection.execute(text(f"SELECT count(DISTINCT ({tallies.KEY})) FROM invitations"))
        assert kept == keys.scalar_one()  # one row per key, none for deleted events
    assert_tallies_match(engine)


def test_compaction_keeps_deltas_committed_while_it_runs(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    campaign_id = campaigns.create_campaign(insert_guests(send_env["DATABASE_URL"], 50))[0].id
    with engine.connect() as writer, engine.connect() as compactor:
        writer.begin()
        writer.execute(
            text("UPDATE invitations SET send_state = 'canceled' WHERE id <= 20"),
        )
        compactor.begin()
        assert tallies.compact_tallies(compactor, force=True)
        writer.commit()  # its deltas were invisible to the compaction: they must survive it
        compactor.commit()
    with engine.connect() as connection:
        found = tallies.campaigns_tallies(connection, [campaign_id])[campaign_id]
        counts = {tally.send_state: tally.n for tally in found}
    assert counts == {"pending": 30, "canceled": 20}
    assert_tallies_match(engine)


def test_compaction_waits_until_there_is_enough_to_fold(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    campaigns.create_campaign(insert_guests(send_env["DATABASE_URL"], 20))
    with engine.begin() as connection:
        assert not tallies.compact_tallies(connection)
        for _ in range(tallies.COMPACT_ABOVE // 2 + 1):
            connection.execute(
                text(
                    "UPDATE invitations SET send_state = CASE send_state "
                    "WHEN 'pending' THEN 'paused' ELSE 'pending' END WHERE id = 1"
                )
            )
    with engine.begin() as connection:
        assert tallies.compact_tallies(connection)
    assert_tallies_match(engine)
