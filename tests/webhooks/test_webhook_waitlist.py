"""Capacity and the waitlist through the inbound webhook: yeses past the capacity are
waitlisted in arrival order and told so; a decline frees heads that are offered to the first
party that fits; Claim and Pass (button taps) settle the offer once; races on one event
(two declines, two claims, a claim as the hold runs out) end with each offer made once and
never more heads than the capacity."""

from __future__ import annotations

import functools
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models.base import utcnow
from app.sending import waitlist
from app.services import inbound
from app.services.replies import classify
from app.services.webhook_forms import form_pairs, parse_inbound
from tests.support.constants import API_TOKEN
from tests.support.database import execute, query, scalar
from tests.support.factories import invite, make_event, make_guests, phone
from tests.support.webhooks import INBOUND, button_form, inbound_form, signed_post


def reply_text(body: bytes) -> str | None:
    """The text of the TwiML <Message>, or None for an empty <Response/>."""
    message = ET.fromstring(body).find("Message")
    return None if message is None else message.text


def full_event(app: Flask, guests: int, capacity: int, plus_ones: int = 2) -> tuple[int, list[int]]:
    """An event with a capacity and `guests` invited guests (numbers phone(0)...)."""
    event_id = make_event(app, capacity=capacity, plus_ones=plus_ones)
    ids = make_guests(app, event_id, [(f"Guest {n}", phone(n)) for n in range(guests)])
    for guest_id in ids:
        invite(app, guest_id)
    return event_id, ids


def tap(client: FlaskClient, n: int, payload: str, title: str = "") -> str | None:
    """Guest n taps a button; the reply's text."""
    response = signed_post(client, INBOUND, button_form(phone(n), payload, title or payload))
    assert response.status_code == 200
    return reply_text(response.data)


def party(app: Flask, guest_id: int, size: int) -> None:
    """Give a guest a party size."""
    execute(app, "UPDATE guests SET party_size = :n WHERE id = :id", n=size, id=guest_id)


def seated_heads(app: Flask, event_id: int) -> int:
    """Heads of the confirmed guests who are not waitlisted."""
    return int(
        scalar(
            app,
            "SELECT coalesce(sum(coalesce(g.party_size, 1)), 0) FROM guests g"
            " JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation'"
            " WHERE g.event_id = :e AND i.rsvp = 'confirmed' AND g.waitlisted_at IS NULL",
            e=event_id,
        )
    )


def waitlisted(app: Flask, event_id: int) -> list[int]:
    """The event's waitlisted guests, in order."""
    rows = query(
        app,
        "SELECT id FROM guests WHERE event_id = :e AND waitlisted_at IS NOT NULL"
        " ORDER BY waitlisted_at, id",
        e=event_id,
    )
    return [row.id for row in rows]


def offers(app: Flask, event_id: int) -> list[tuple[int, str | None]]:
    """The event's offers: (guest, outcome), oldest first."""
    rows = query(
        app, "SELECT guest_id, outcome FROM offers WHERE event_id = :e ORDER BY id", e=event_id
    )
    return [(row.guest_id, row.outcome) for row in rows]


def run_cascade(app: Flask, event_id: int) -> list[int]:
    """The sweep's cascade for one event."""
    with app.app_context(), db.engine.begin() as connection:
        return waitlist.cascade(connection, event_id)


def test_yeses_past_the_capacity_are_waitlisted_in_order_and_told(
    app: Flask, client: FlaskClient
) -> None:
    event_id, ids = full_event(app, 4, capacity=3)
    party(app, ids[0], 2)
    assert "full" not in (tap(client, 0, "yes") or "")
    assert "full" not in (tap(client, 1, "yes") or "")
    told = tap(client, 2, "yes")
    assert told is not None and "waitlist" in told and "1" in told
    assert "(number 2)" in (tap(client, 3, "yes") or "")
    assert seated_heads(app, event_id) == 3
    assert waitlisted(app, event_id) == [ids[2], ids[3]]
    listed = client.get(f"/api/v1/events/{event_id}/guests", headers=auth(app)).get_json()
    positions = {g["id"]: g["waitlist_position"] for g in listed["guests"]}
    assert positions == {ids[0]: None, ids[1]: None, ids[2]: 1, ids[3]: 2}
    stats = client.get(f"/api/v1/events/{event_id}/stats", headers=auth(app)).get_json()
    assert stats["heads"] == {"confirmed": 3, "maybe": 0, "waitlisted": 2}


def auth(app: Flask) -> dict[str, str]:
    """The API's bearer header."""
    return {"Authorization": f"Bearer {API_TOKEN}"}


def test_a_waitlisted_guest_is_told_in_their_language(app: Flask, client: FlaskClient) -> None:
    event_id = make_event(app, capacity=0)
    [guest_id] = make_guests(app, event_id, [("Ana", "+34612345678")], language="es")
    invite(app, guest_id)
    response = signed_post(client, INBOUND, button_form("+34612345678", "yes", "Sí"))
    assert "lista de espera" in (reply_text(response.data) or "")


def test_a_decline_offers_the_seat_to_the_first_party_that_fits_then_claim_seats_them(
    app: Flask, client: FlaskClient
) -> None:
    event_id, ids = full_event(app, 4, capacity=2)
    tap(client, 0, "yes")
    tap(client, 1, "yes")
    party(app, ids[2], 2)
    tap(client, 2, "yes")  # a party of 2: waitlisted first, but one seat frees up
    tap(client, 3, "yes")
    assert waitlisted(app, event_id) == [ids[2], ids[3]]
    tap(client, 0, "no")
    assert offers(app, event_id) == [(ids[3], None)]  # the first party that fits
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'offer'") == 1
    assert "confirmed" in (tap(client, 3, "claim", "Claim") or "")
    assert offers(app, event_id) == [(ids[3], "claimed")]
    assert seated_heads(app, event_id) == 2
    assert waitlisted(app, event_id) == [ids[2]]
    assert "no longer open" in (tap(client, 3, "claim", "Claim") or "")


def test_pass_and_expiry_go_to_the_next(app: Flask, client: FlaskClient) -> None:
    event_id, ids = full_event(app, 4, capacity=1)
    for n in range(4):
        tap(client, n, "yes")
    tap(client, 0, "no")
    assert offers(app, event_id) == [(ids[1], None)]
    assert "next guest" in (tap(client, 1, "pass", "Pass") or "")
    assert offers(app, event_id) == [(ids[1], "passed"), (ids[2], None)]
    rsvp = scalar(
        app, "SELECT rsvp FROM invitations WHERE guest_id = :g AND kind = 'invitation'", g=ids[1]
    )
    assert rsvp == "declined"
    execute(app, "UPDATE offers SET hold_until = now() - interval '1 second' WHERE outcome IS NULL")
    run_cascade(app, event_id)
    assert offers(app, event_id)[-2:] == [(ids[2], "expired"), (ids[3], None)]
    assert waitlisted(app, event_id) == [ids[3]]
    # the expired offer's unsent message is withdrawn
    states = query(app, "SELECT send_state FROM invitations WHERE kind = 'offer' ORDER BY id")
    assert [row.send_state for row in states] == ["canceled", "canceled", "pending"]


def test_a_claim_after_the_event_started_is_refused(app: Flask, client: FlaskClient) -> None:
    event_id, _ = full_event(app, 2, capacity=1)
    tap(client, 0, "yes")
    tap(client, 1, "yes")
    tap(client, 0, "no")
    execute(
        app, "UPDATE events SET starts_at = now() - interval '1 minute' WHERE id = :e", e=event_id
    )
    assert "already started" in (tap(client, 1, "claim", "Claim") or "")
    assert seated_heads(app, event_id) == 0


def test_a_lowered_capacity_unseats_nobody(app: Flask, client: FlaskClient) -> None:
    event_id, _ = full_event(app, 3, capacity=3)
    tap(client, 0, "yes")
    tap(client, 1, "yes")
    execute(app, "UPDATE events SET capacity = 1 WHERE id = :e", e=event_id)
    assert "waitlist" in (tap(client, 2, "yes") or "")
    assert seated_heads(app, event_id) == 2
    tap(client, 0, "no")
    assert offers(app, event_id) == []  # 1 seated, capacity 1: nothing free


def concurrently(*actions: Callable[[], object]) -> None:
    """Run the actions at once, each in a thread; re-raise the first failure."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]


def test_two_declines_at_once_make_two_offers_once(app: Flask) -> None:
    event_id, ids = full_event(app, 5, capacity=2)
    for n in range(5):
        with app.test_client() as client:
            tap(client, n, "yes")

    def decline(n: int) -> Callable[[], object]:
        def go() -> object:
            with app.test_client() as client:
                return tap(client, n, "no")

        return go

    concurrently(decline(0), decline(1), lambda: run_cascade(app, event_id))
    run_cascade(app, event_id)
    assert sorted(offers(app, event_id)) == [(ids[2], None), (ids[3], None)]
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'offer'") == 2


def test_two_claims_for_one_seat_seat_one(app: Flask) -> None:
    event_id, ids = full_event(app, 3, capacity=1)
    for n in range(3):
        with app.test_client() as client:
            tap(client, n, "yes")
    with app.test_client() as client:
        tap(client, 0, "no")
    assert offers(app, event_id) == [(ids[1], None)]
    replies: list[str | None] = []

    def claim() -> object:
        with app.test_client() as client:
            replies.append(tap(client, 1, "claim", "Claim"))
        return None

    concurrently(claim, claim, claim)
    assert seated_heads(app, event_id) == 1
    assert offers(app, event_id) == [(ids[1], "claimed")]
    assert sum("confirmed" in (text or "") for text in replies) == 1


def test_a_claim_as_the_hold_runs_out_is_one_or_the_other(app: Flask) -> None:
    for _ in range(5):
        execute(app, "TRUNCATE events CASCADE")
        event_id, ids = full_event(app, 3, capacity=1)
        for n in range(3):
            with app.test_client() as client:
                tap(client, n, "yes")
        with app.test_client() as client:
            tap(client, 0, "no")
        execute(app, "UPDATE offers SET hold_until = now() + interval '50 milliseconds'")

        def claim() -> object:
            with app.test_client() as client:
                return tap(client, 1, "claim", "Claim")

        concurrently(claim, functools.partial(run_cascade, app, event_id))
        run_cascade(app, event_id)
        outcomes = dict(offers(app, event_id))
        assert outcomes[ids[1]] in ("claimed", "expired")
        assert seated_heads(app, event_id) <= 1
        if outcomes[ids[1]] == "expired":
            assert outcomes.get(ids[2], "missing") is None  # the seat went on


def test_a_seated_guests_larger_party_that_does_not_fit_keeps_the_seat(
    app: Flask, client: FlaskClient
) -> None:
    event_id, ids = full_event(app, 2, capacity=3)
    tap(client, 0, "yes")
    tap(client, 1, "yes")
    response = signed_post(client, INBOUND, inbound_form(phone(0), "Yes, we'll be 3"))
    assert "not room" in (reply_text(response.data) or "")
    assert scalar(app, "SELECT party_size FROM guests WHERE id = :g", g=ids[0]) is None
    assert seated_heads(app, event_id) == 2
    assert waitlisted(app, event_id) == []


def record_without_seating(app: Flask, n: int, answer: str, received_at: datetime) -> None:
    """Guest n's answer recorded by the webhook's one statement, and the web process killed
    before its seat was decided."""
    form = parse_inbound(form_pairs(button_form(phone(n), answer, answer.title()).items()))
    with app.test_request_context():
        reading = classify(form.body, form.button_payload, form.button_text, form.phone)
        outcome = inbound._record_reading(form, reading, received_at)
    assert outcome.reading.kind == "rsvp"


def test_yeses_whose_web_process_died_before_their_seat_are_decided_by_the_sweep(
    app: Flask, client: FlaskClient
) -> None:
    event_id, ids = full_event(app, 5, capacity=3)
    tap(client, 0, "yes")  # seated: 1 head
    party(app, ids[1], 2)
    start = utcnow()
    # Recorded out of order; they arrived 1, 2, 3.
    for n in (3, 1, 2):
        record_without_seating(app, n, "yes", start + timedelta(seconds=n))
    # Undecided yeses hold no seat: nobody is counted past the capacity meanwhile.
    with app.app_context(), db.engine.begin() as connection:
        assert waitlist.taken_heads(connection, event_id) == 1
    with app.app_context():
        waitlist.offer_freed_seats(db.engine)  # the sweep
    assert seated_heads(app, event_id) == 3  # guest 1's party of 2 fits
    assert waitlisted(app, event_id) == [ids[2], ids[3]]  # in arrival order
    assert scalar(app, "SELECT count(*) FROM guests WHERE seat_pending_at IS NOT NULL") == 0
    assert offers(app, event_id) == []
    # A seated guest's decline recorded the same way frees their seat at the next sweep.
    record_without_seating(app, 0, "no", utcnow())
    with app.app_context():
        waitlist.offer_freed_seats(db.engine)
    assert offers(app, event_id) == [(ids[2], None)]
    assert seated_heads(app, event_id) == 2


def test_a_seated_guests_larger_party_left_undecided_keeps_the_seat_it_had(
    app: Flask, client: FlaskClient
) -> None:
    event_id, ids = full_event(app, 3, capacity=3)
    tap(client, 0, "yes")
    tap(client, 1, "yes")
    form = parse_inbound(form_pairs(inbound_form(phone(0), "Yes, we'll be 3").items()))
    reading = classify(form.body, form.button_payload, form.button_text, form.phone)
    with app.test_request_context():
        inbound._record_reading(form, reading, utcnow())
    with app.app_context(), db.engine.begin() as connection:
        assert waitlist.taken_heads(connection, event_id) == 2  # the party it had, meanwhile
    record_without_seating(app, 2, "yes", utcnow())
    with app.app_context():
        waitlist.offer_freed_seats(db.engine)
    # Guest 0's party of 3 did not fit beside guest 1: kept at one; guest 2 then fits.
    assert scalar(app, "SELECT party_size FROM guests WHERE id = :g", g=ids[0]) is None
    assert seated_heads(app, event_id) == 3
    assert waitlisted(app, event_id) == []
