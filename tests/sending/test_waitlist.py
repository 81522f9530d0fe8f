"""The waitlist in the engine: an offer is made once per freed seat by the sweep's cascade,
sent only while its hold is open and its guest still waits, and never by a worker that
restarts (the cascade reads PostgreSQL only)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import audiences, claims, waitlist
from app.sending.kinds import ClaimFacts, kind_of
from tests.support.constants import SENDER
from tests.support.database import execute, scalar
from tests.support.factories import invite, make_campaign, make_event, make_guests, phone


def waiting_event(app: Flask, capacity: int, waiting: list[int]) -> tuple[int, list[int]]:
    """An event at `capacity` with no one seated and guests waitlisted with these parties."""
    event_id = make_event(app, capacity=capacity, plus_ones=5)
    ids = make_guests(app, event_id, [(f"G{n}", phone(n)) for n in range(len(waiting))])
    for n, (guest_id, size) in enumerate(zip(ids, waiting, strict=True)):
        invite(app, guest_id, rsvp="confirmed")
        execute(
            app,
            "UPDATE guests SET party_size = :p, waitlisted_at = now() + make_interval(secs => :n)"
            " WHERE id = :id",
            p=size,
            n=n,
            id=guest_id,
        )
    return event_id, ids


def test_the_sweep_offers_freed_seats_in_order_to_parties_that_fit_once(
    send_app: Flask, engine: Engine
) -> None:
    event_id, ids = waiting_event(send_app, 3, [3, 2, 1, 1])
    execute(send_app, "UPDATE events SET capacity = 2 WHERE id = :e", e=event_id)
    # 2 free heads: the party of 3 does not fit, the party of 2 does and takes both.
    assert waitlist.offer_freed_seats(engine) == 1
    assert waitlist.offer_freed_seats(engine) == 0  # again: nothing more
    assert scalar(send_app, "SELECT array_agg(guest_id ORDER BY id) FROM offers") == [ids[1]]
    execute(send_app, "UPDATE events SET capacity = 4 WHERE id = :e", e=event_id)
    assert waitlist.offer_freed_seats(engine) == 2  # 2 more: the two parties of 1
    offered = scalar(send_app, "SELECT array_agg(guest_id ORDER BY id) FROM offers")
    assert offered == [ids[1], ids[2], ids[3]]
    hold = scalar(send_app, "SELECT extract(epoch FROM hold_until - created_at) FROM offers")
    assert round(float(hold)) == 24 * 3600


def test_an_offer_is_withdrawn_at_its_claim_once_its_hold_ran_out(
    send_app: Flask, engine: Engine
) -> None:
    waiting_event(send_app, 1, [1])
    waitlist.offer_freed_seats(engine)
    execute(send_app, "UPDATE offers SET hold_until = now() - interval '1 second'")
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker-a", SENDER, 10, 30)
    assert batch.claims == []
    assert [r.state for r in batch.refused] == ["canceled"]
    assert "no longer open" in batch.refused[0].reason


def test_an_open_offer_to_a_waiting_guest_is_claimed_for_sending(
    send_app: Flask, engine: Engine
) -> None:
    waiting_event(send_app, 1, [1])
    waitlist.offer_freed_seats(engine)
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker-a", SENDER, 10, 30)
    assert [claim.invitee.kind for claim in batch.claims] == ["offer"]


def test_the_kinds_checks_keep_waitlisted_guests_from_reminders_and_stale_offers() -> None:
    reminder, offer = kind_of("reminder"), kind_of("offer")
    seated = ClaimFacts("confirmed", False, False)
    assert reminder.withdrawal(seated) is None
    assert reminder.withdrawal(ClaimFacts("confirmed", False, False, waitlisted=True))
    assert offer.withdrawal(ClaimFacts("confirmed", False, False, waitlisted=True)) is None
    assert offer.withdrawal(ClaimFacts("confirmed", False, False, waitlisted=False))
    closed = ClaimFacts("confirmed", False, False, waitlisted=True, offer_open=False)
    assert offer.withdrawal(closed)
    started = ClaimFacts("confirmed", False, True, waitlisted=True)
    assert offer.withdrawal(started) == "the event has started"


def test_a_cascade_killed_before_its_commit_leaves_nothing_and_the_next_sweep_offers(
    send_app: Flask, engine: Engine
) -> None:
    event_id, ids = waiting_event(send_app, 1, [1, 1])
    connection = engine.connect()
    transaction = connection.begin()
    assert len(waitlist.cascade(connection, event_id)) == 1
    # Meanwhile another sweep skips the event it holds (no wait, no double offer).
    assert waitlist.offer_freed_seats(engine) == 0
    transaction.rollback()  # the worker dies before committing
    connection.close()
    assert scalar(send_app, "SELECT count(*) FROM offers") == 0
    assert waitlist.offer_freed_seats(engine) == 1
    with engine.connect() as check:
        count = check.execute(text("SELECT count(*) FROM invitations WHERE kind = 'offer'"))
        assert count.scalar_one() == 1
    assert scalar(send_app, "SELECT guest_id FROM offers") == ids[0]


def test_a_reminders_count_leaves_out_the_waitlisted_guests_as_its_sends_do(
    send_app: Flask, engine: Engine
) -> None:
    event_id, ids = waiting_event(send_app, 3, [1, 2, 1])
    execute(send_app, "UPDATE guests SET waitlisted_at = NULL WHERE id = :g", g=ids[0])
    target = audiences.Target(event_id, "reminder")
    campaign_id = make_campaign(send_app, event_id, [], kind="reminder")
    with engine.begin() as connection:
        counted = audiences.count_follow_on(connection, target)
        queued = audiences.fill(connection, target, campaign_id)
    assert counted.recipients == queued == 1  # the seated guest, not the two waiting
