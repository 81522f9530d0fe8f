"""Claims in PostgreSQL: exclusive across connections, attempts recorded first, results guarded."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims, lifecycle
from app.sending.results import Accepted, Failed, HandBack, Retry, Unknown, write_results
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.database import scalar
from tests.support.factories import new_campaign


def test_two_connections_claim_disjoint_rows(send_app: Flask, engine: Engine) -> None:
    new_campaign(send_app, 100)
    with engine.connect() as first, engine.connect() as second:
        a = claims.claim_due(first, "worker-a", SENDER, 60, 30)
        # `first` has not committed: its rows stay locked, and SKIP LOCKED passes them over.
        b = claims.claim_due(second, "worker-b", SENDER, 60, 30)
        first.commit()
        second.commit()
    ids_a = {c.invitation_id for c in a.claims}
    ids_b = {c.invitation_id for c in b.claims}
    assert len(ids_a) == 60 and len(ids_b) == 40
    assert not ids_a & ids_b
    with engine.begin() as connection:
        assert claims.claim_due(connection, "worker-c", SENDER, 60, 30).claims == []
    owners = scalar(engine, "SELECT count(DISTINCT claimed_by) FROM invitations")
    assert owners == 2


def test_a_claim_records_an_in_flight_attempt_before_any_request(
    send_app: Flask, engine: Engine
) -> None:
    new_campaign(send_app, 3)
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker-a", SENDER, 10, 30)
    assert len(batch.claims) == 3
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT i.id, i.send_state, i.attempt_count, i.claimed_by, "
                "i.claimed_until > now() AS leased, a.id AS attempt, a.status, a.sender, "
                "a.to_phone = g.phone AS to_guest "
                "FROM invitations i JOIN message_attempts a ON a.invitation_id = i.id "
                "JOIN guests g ON g.id = i.guest_id ORDER BY i.id"
            )
        ).all()
    assert [row.attempt for row in rows] == [c.attempt_id for c in batch.claims]
    for row in rows:
        assert (row.send_state, row.attempt_count, row.claimed_by) == ("sending", 1, "worker-a")
        assert row.leased and row.status == "in_flight" and row.sender == SENDER and row.to_guest


def test_paused_campaigns_and_future_retries_are_not_claimed(
    send_app: Flask, engine: Engine
) -> None:
    paused = new_campaign(send_app, 5)
    campaigns.pause(paused)
    running = new_campaign(send_app, 5, start=100, event_name="Other")
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE invitations SET next_attempt_at = now() + interval '1 minute' "
                "WHERE id = (SELECT min(id) FROM invitations WHERE campaign_id = :c)"
            ),
            {"c": running},
        )
        batch = claims.claim_due(connection, "worker-a", SENDER, 100, 30)
        due_in = claims.next_due_in(connection)
    assert {c.campaign_id for c in batch.claims} == {running}
    assert len(batch.claims) == 4
    # The claims just taken run out in 30 s; the postponed invitation is due in 60 s.
    assert due_in is not None and 25 < due_in <= 30


def test_results_apply_only_while_the_lease_is_held_except_acceptance(
    send_app: Flask, engine: Engine
) -> None:
    new_campaign(send_app, 4)
    with engine.begin() as connection:
        taken = claims.claim_due(connection, "worker-a", SENDER, 10, 30).claims
    one, two, three, four = taken
    with engine.begin() as connection:
        # Another owner took the invitations over (as reconciliation would).
        connection.execute(text("UPDATE invitations SET claimed_by = 'reconciler'"))
        write_results(
            connection,
            "worker-a",
            [
                Accepted(one.invitation_id, one.attempt_id, "SM" + "1" * 32, "queued", 201),
                Failed(
                    two.invitation_id, two.attempt_id, two.guest_id, "+1", 21211, "bad", 400, "x"
                ),
                Retry(three.invitation_id, three.attempt_id, 5, 500, "err", 500, "x"),
                HandBack(four.invitation_id, four.attempt_id),
            ],
            unknown_hold=1,
        )
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, send_state, message_sid FROM invitations ORDER BY id")
        ).all()
    assert [(r.send_state, r.message_sid) for r in rows] == [
        ("accepted", "SM" + "1" * 32),
        ("sending", None),
        ("sending", None),
        ("sending", None),
    ]


def test_hand_back_restores_the_invitation_and_forgets_the_attempt(
    send_app: Flask, engine: Engine
) -> None:
    campaign_id = new_campaign(send_app, 2)
    with engine.begin() as connection:
        first, second = claims.claim_due(connection, "worker-a", SENDER, 10, 30).claims
    campaigns.cancel(campaign_id)  # only pending ones are canceled here; these are sending
    with engine.begin() as connection:
        write_results(
            connection,
            "worker-a",
            [
                HandBack(first.invitation_id, first.attempt_id),
                Unknown(second.invitation_id, second.attempt_id, "TimeoutError"),
            ],
            unknown_hold=7,
        )
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT send_state, attempt_count, claimed_by, "
                "extract(epoch from claimed_until - now()) AS hold FROM invitations ORDER BY id"
            )
        ).all()
        attempts = connection.execute(
            text("SELECT invitation_id, status, error_message FROM message_attempts")
        ).all()
    # Handed back into a canceled campaign: canceled, and no attempt was ever made.
    assert (rows[0].send_state, rows[0].attempt_count, rows[0].claimed_by) == ("canceled", 0, None)
    # Unknown: still sending, owned by nobody, reconciled once the hold runs out.
    assert (rows[1].send_state, rows[1].claimed_by) == ("sending", None) and 5 < rows[1].hold <= 7
    assert [(a.invitation_id, a.status, a.error_message) for a in attempts] == [
        (second.invitation_id, "in_flight", "TimeoutError")
    ]


def test_renewal_extends_only_the_owners_leases(send_app: Flask, engine: Engine) -> None:
    new_campaign(send_app, 2)
    with engine.begin() as connection:
        mine = claims.claim_due(connection, "worker-a", SENDER, 1, 5).claims
        theirs = claims.claim_due(connection, "worker-b", SENDER, 1, 5).claims
        kept = claims.renew_leases(
            connection, "worker-a", [c.invitation_id for c in mine + theirs], 60
        )
    assert kept == {mine[0].invitation_id}


def test_a_number_invited_to_two_events_has_one_invitation_in_flight_at_a_time(
    send_app: Flask, engine: Engine
) -> None:
    first = new_campaign(send_app, 3)
    second = new_campaign(
        send_app, 3, start=0, event_name="Other"
    )  # the same three numbers, another event
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker-a", SENDER, 10, 30)
    assert len(batch.claims) == 3
    assert len({c.invitee.phone for c in batch.claims}) == 3
    with engine.begin() as connection:
        # Each number is in flight already: the other event's invitations wait, deferred off
        # the head of the due queue so that they can't fill every later batch.
        assert claims.claim_due(connection, "worker-b", SENDER, 10, 30).claims == []
        deferred = connection.execute(
            text(
                "SELECT extract(epoch from next_attempt_at - now()) FROM invitations "
                "WHERE send_state = 'pending'"
            )
        ).scalars()
        assert all(0 < delay <= claims.BUSY_NUMBER_DELAY for delay in deferred)
        connection.execute(
            text("UPDATE invitations SET send_state = 'accepted' WHERE claimed_by = 'worker-a'")
        )
        connection.execute(text("UPDATE invitations SET next_attempt_at = now()"))
        later = claims.claim_due(connection, "worker-b", SENDER, 10, 30).claims
    assert {c.campaign_id for c in batch.claims} | {c.campaign_id for c in later} == {first, second}
    assert len(later) == 3 and all(c.attempt_count == 1 for c in later)
    assert scalar(engine, "SELECT count(*) FROM message_attempts") == 6


def states(engine: Engine, campaign_id: int) -> dict[str, int]:
    """The campaign's invitations per send state."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT send_state, count(*) FROM invitations WHERE campaign_id = :c GROUP BY 1"),
            {"c": campaign_id},
        )
        return {state: n for state, n in rows}


def test_pausing_takes_a_campaign_off_the_due_path_and_resuming_puts_it_back(
    send_app: Flask, engine: Engine
) -> None:
    campaign_id = new_campaign(send_app, 6)
    campaigns.pause(campaign_id)
    assert states(engine, campaign_id) == {"paused": 6}
    with engine.begin() as connection:
        assert claims.claim_due(connection, "worker-a", SENDER, 10, 30).claims == []
        # Nothing pending is left to come due.
        assert claims.next_due_in(connection) is None
    campaigns.resume(campaign_id)
    assert states(engine, campaign_id) == {"pending": 6}
    with engine.begin() as connection:
        assert len(claims.claim_due(connection, "worker-a", SENDER, 10, 30).claims) == 6


def test_a_claim_parks_what_a_pause_or_cancel_left_on_the_due_path(
    send_app: Flask, engine: Engine
) -> None:
    paused = new_campaign(send_app, 3)
    canceled = new_campaign(send_app, 3, start=100, event_name="Other")
    with engine.begin() as connection:
        # As a hand-back racing the pause would leave them: pending in a stopped campaign.
        connection.execute(
            text("UPDATE campaigns SET state = 'paused' WHERE id = :p"), {"p": paused}
        )
        connection.execute(
            text("UPDATE campaigns SET state = 'canceled' WHERE id = :c"), {"c": canceled}
        )
        assert claims.claim_due(connection, "worker-a", SENDER, 10, 30).claims == []
    assert states(engine, paused) == {"paused": 3}
    assert states(engine, canceled) == {"canceled": 3}
    assert scalar(engine, "SELECT count(*) FROM message_attempts") == 0


def test_the_sweep_unparks_what_a_resume_raced_past(send_app: Flask, engine: Engine) -> None:
    campaign_id = new_campaign(send_app, 4)
    with engine.begin() as connection:
        # A claim parked these just as the resume committed: paused in a running campaign.
        connection.execute(text("UPDATE invitations SET send_state = 'paused' WHERE id <= 2"))
        assert lifecycle.complete_finished(connection) == []  # parked is not finished
        assert lifecycle.unpark_resumed(connection) == 2
    assert states(engine, campaign_id) == {"pending": 4}


def test_retrying_the_failed_of_a_paused_campaign_keeps_them_parked(
    send_app: Flask, engine: Engine
) -> None:
    campaign_id = new_campaign(send_app, 3)
    with engine.begin() as connection:
        connection.execute(text("UPDATE invitations SET send_state = 'failed', error_code = 500"))
    campaigns.pause(campaign_id)
    _, requeued, _ = campaigns.retry_failed(campaign_id)
    assert requeued == 3 and states(engine, campaign_id) == {"paused": 3}
