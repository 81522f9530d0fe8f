"""The waitlist through real processes: gunicorn, `python -m worker`, PostgreSQL, Redis, emulator.

Issue 21's bar: an event of 10 heads, 15 guests answer yes with parties of 1-3 (signed
webhooks posted to gunicorn, in turn) and the yeses past the capacity are waitlisted in
arrival order; three declines at once free three seats, offered in waitlist order to the
parties that fit; the worker is killed with -9 while it sends them; one offer is claimed, one
passed (its seat offered to the next) and the others left to run out (a hold of seconds),
each offer sent exactly once and never more heads seated than the capacity. And the same
cascade through a Redis flush, every database connection dropped and every offer answered by
the provider after the sender's timeout: each offer still sent once.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import Engine

from tests.support.database import execute, query, scalar
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.polling import eventually
from tests.support.sending import CampaignStack
from tests.support.stack import kill_hard
from tests.support.webhooks import INBOUND, button_form, inbound_form, sign

pytestmark = pytest.mark.slow

OFFER_SID = "HX" + "0ffe7" * 6 + "00"
CAPACITY = 10
# Parties in arrival order: the first six fill the 10 heads; the other nine wait. Guests 0-2
# (a head each) decline at once: each freed head goes to the first waitlisted party of one
# (a party of 3 never fits in what frees up), whatever order the declines land in.
PARTIES = (1, 1, 1, 3, 2, 2, 1, 3, 1, 1, 3, 1, 3, 3, 3)
SEATED, WAITING = range(6), range(6, 15)
HOLD_SECONDS = 10  # offer_hours = HOLD_SECONDS / 3600: long enough for a worker restart


@pytest.fixture(scope="module")
def web_extra_env() -> dict[str, str]:
    """The module's gunicorn and workers have a seat offer template."""
    return {"TWILIO_OFFER_CONTENT_SID": OFFER_SID}


def post_inbound(stack: CampaignStack, form: dict[str, str]) -> None:
    """POST a signed inbound webhook to gunicorn, as Twilio does."""
    url = stack.web_url + INBOUND
    signature = sign(url, form, stack.env["TWILIO_AUTH_TOKEN"])
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200, response.text


def say_yes(stack: CampaignStack, n: int) -> None:
    """Guest n says yes with their party: a tap for one, typed for more."""
    party = PARTIES[n]
    if party == 1:
        post_inbound(stack, button_form(phone(n), "yes", "Yes"))
    else:
        post_inbound(stack, inbound_form(phone(n), f"Yes, we'll be {party}"))


def offers_of(engine: Engine, event_id: int) -> list[Any]:
    """The event's offers, oldest first: guest index, outcome, its message's state and SID."""
    return query(
        engine,
        "SELECT o.id, (right(g.phone, 7)::int - 2000000) AS n, o.outcome, m.send_state,"
        " m.message_sid FROM offers AS o JOIN guests AS g ON g.id = o.guest_id"
        " LEFT JOIN invitations AS m ON m.id = o.invitation_id"
        " WHERE o.event_id = :e ORDER BY o.id",
        e=event_id,
    )


def seated_heads(engine: Engine, event_id: int) -> int:
    """Heads of the guests confirmed and not waitlisted."""
    return int(
        scalar(
            engine,
            "SELECT coalesce(sum(coalesce(g.party_size, 1)), 0) FROM guests g"
            " JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation'"
            " WHERE g.event_id = :e AND i.rsvp = 'confirmed' AND g.waitlisted_at IS NULL",
            e=event_id,
        )
    )


def waitlist(engine: Engine, event_id: int) -> list[int]:
    """The waitlisted guests' indexes, in waitlist order."""
    rows = query(
        engine,
        "SELECT right(phone, 7)::int - 2000000 AS n FROM guests"
        " WHERE event_id = :e AND waitlisted_at IS NOT NULL ORDER BY waitlisted_at, id",
        e=event_id,
    )
    return [row.n for row in rows]


def sent_offers(stack: CampaignStack) -> dict[str, list[str]]:
    """The offer messages the emulator accepted: SIDs by guest number."""
    found: dict[str, list[str]] = {}
    for message in stack.emulator.messages():
        if message["body"].startswith("How many of you"):
            continue  # a tapped yes is asked its party apart, with buttons
        assert message["content_sid"] == OFFER_SID, message  # nothing else is sent here
        found.setdefault(message["to"].removeprefix("whatsapp:"), []).append(message["sid"])
    return found


def full_event(stack: CampaignStack, engine: Engine, hold_hours: float) -> int:
    """The event of 10 heads whose 15 guests said yes in turn (the first six seated, the rest
    waitlisted in order), with a worker running; its id."""
    event_id = insert_guests(engine, len(PARTIES))
    execute(
        engine,
        "UPDATE events SET capacity = :c, plus_ones = 2, offer_hours = :h WHERE id = :e",
        c=CAPACITY,
        h=hold_hours,
        e=event_id,
    )
    invite_all(engine, event_id)
    stack.start_worker()
    for n in range(len(PARTIES)):  # in turn: the arrival order is the posting order
        say_yes(stack, n)
    return event_id


def decline_at_once(stack: CampaignStack, guests: tuple[int, ...]) -> None:
    """These guests decline at the same moment (one thread each)."""
    declines = [
        threading.Thread(target=post_inbound, args=(stack, button_form(phone(n), "no", "No")))
        for n in guests
    ]
    for thread in declines:
        thread.start()
    for thread in declines:
        thread.join(30)


def test_a_full_event_waitlists_and_cascades_its_offers_once_through_a_worker_kill_9(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id = full_event(stack, engine, HOLD_SECONDS / 3600)
    [worker] = stack.workers
    assert seated_heads(engine, event_id) == CAPACITY
    assert waitlist(engine, event_id) == list(WAITING)
    assert offers_of(engine, event_id) == []

    decline_at_once(stack, (0, 1, 2))
    # Each freed head went to a waitlisted party of one, in order (not 7: a party of 3).
    first = [row.n for row in offers_of(engine, event_id)]
    assert sorted(first) == [6, 8, 9], first

    # The worker dies while it sends the offers; another takes over.
    stack.wait_sent(1, timeout=20)
    kill_hard(worker)
    stack.start_worker()
    assert eventually(lambda: set(sent_offers(stack)) >= {phone(6), phone(8)}, 20), stack.diagnose()

    sent = sent_offers(stack)
    post_inbound(stack, button_form(phone(6), "claim", "Claim", replied_sid=sent[phone(6)][0]))
    post_inbound(stack, button_form(phone(8), "pass", "Pass", replied_sid=sent[phone(8)][0]))
    # Guest 9 says nothing: their hold runs out, and so does the next one's (guest 11, who got
    # the seat guest 8 passed); then only parties of 3 wait and 2 heads are free.

    def settled() -> bool:
        rows = offers_of(engine, event_id)
        return len(rows) == 4 and all(row.outcome is not None for row in rows)

    assert eventually(settled, 3 * HOLD_SECONDS, 0.5), (
        f"{offers_of(engine, event_id)}\n{stack.diagnose()}"
    )
    outcomes = {row.n: row.outcome for row in offers_of(engine, event_id)}
    assert outcomes == {6: "claimed", 8: "passed", 9: "expired", 11: "expired"}
    assert seated_heads(engine, event_id) == 8 <= CAPACITY  # 7 after the declines, guest 6
    assert waitlist(engine, event_id) == [7, 10, 12, 13, 14]  # the parties of 3, in order

    # Each offer sent exactly once (an offer whose hold ran out before it went is withdrawn).
    sent = sent_offers(stack)
    assert all(len(sids) == 1 for sids in sent.values()), sent
    for row in offers_of(engine, event_id):
        if row.send_state == "accepted":
            assert sent.get(phone(row.n)) == [row.message_sid], (row, sent)
        else:
            assert row.send_state == "canceled" and phone(row.n) not in sent, (row, sent)
    assert len(sent) <= 4
    assert scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
    assert scalar(engine, "SELECT count(*) FROM guests WHERE seat_pending_at IS NOT NULL") == 0


def drop_every_connection(engine: Engine) -> int:
    """Kill every server connection of the web and worker processes (as a PostgreSQL
    restart would); how many."""
    killed = scalar(
        engine,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name IN ('web', 'worker')"
        " AND pid <> pg_backend_pid()",
    )
    return int(killed)


def test_offers_go_once_through_a_redis_flush_dropped_connections_and_late_answers(
    stack: CampaignStack, engine: Engine
) -> None:
    event_id = full_event(stack, engine, 0.05)  # a hold of 3 minutes: no fault makes one end
    # Twilio answers every offer after the sender's 2 s timeout (the message is sent all the
    # same): each must be found by reconciliation, never sent twice.
    stack.emulator.configure(slow_rate=1.0, slow_delay=3)

    decline_at_once(stack, (0, 1, 2))
    assert sorted(row.n for row in offers_of(engine, event_id)) == [6, 8, 9]
    # Redis loses everything (the queue, the wake-ups, the leases' marks) and PostgreSQL
    # drops every connection, while the offers are being sent.
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    client.flushall()
    client.close()
    assert drop_every_connection(engine) >= 1

    assert eventually(lambda: set(sent_offers(stack)) == {phone(6), phone(8), phone(9)}, 60), (
        stack.diagnose()
    )
    stack.emulator.configure(slow_rate=0.0)
    assert eventually(
        lambda: (
            scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'in_flight'") == 0
        ),
        30,
    ), stack.diagnose()
    sent = sent_offers(stack)
    assert all(len(sids) == 1 for sids in sent.values()), sent
    for n in (6, 8, 9):
        post_inbound(stack, button_form(phone(n), "claim", "Claim", replied_sid=sent[phone(n)][0]))
    outcomes = {row.n: row.outcome for row in offers_of(engine, event_id)}
    assert outcomes == {6: "claimed", 8: "claimed", 9: "claimed"}
    assert seated_heads(engine, event_id) == CAPACITY
    assert waitlist(engine, event_id) == [7, 10, 11, 12, 13, 14]
    assert sent_offers(stack) == sent  # nothing more went out
