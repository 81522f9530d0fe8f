"""Reconciliation against the emulator: find the message, or declare the attempt lost."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims
from app.sending.client import ProviderClient
from app.sending.message import MessageDefaults, build_params
from app.sending.reconcile import Report, reconcile_stale
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.emulator import Emulator
from tests.support.factories import (
    invite,
    make_event,
    make_guests,
    new_campaign,
    phone,
)
from tests.support.polling import eventually
from tests.support.receiver import Receiver

ACCOUNT = "AC" + "a" * 32
TOKEN = "emulator-auth-token"


def defaults_of(app: Flask) -> MessageDefaults:
    """The sender and template the app's invitations go out with."""
    return MessageDefaults.from_settings(app.config["SETTINGS"], None, 600)


def sent_as(app: Flask, claim: claims.Claim) -> dict[str, str]:
    """The create form the worker sent (or would have sent) for this claim."""
    return build_params(defaults_of(app), claim.invitee)


def reconcile(app: Flask, engine: Engine, base_url: str) -> Report:
    """One reconciliation pass through the real twilio client."""

    async def run() -> Report:
        provider = ProviderClient(ACCOUNT, TOKEN, base_url, timeout=5, max_in_flight=10)
        try:
            return await reconcile_stale(
                engine,
                provider,
                owner="reconciler",
                lease=30,
                skew=60,
                defaults=defaults_of(app),
                limit=100,
            )
        finally:
            await provider.close()

    return asyncio.run(run())


def stale_claims(app: Flask, engine: Engine, guests: int) -> list[claims.Claim]:
    """Claims of a worker that died: in flight, lease expired."""
    new_campaign(app, guests)
    with engine.begin() as connection:
        taken = claims.claim_due(connection, "dead-worker", SENDER, guests, 30).claims
        connection.execute(
            text("UPDATE invitations SET claimed_until = now() - interval '1 second'")
        )
    return taken


def invitation(engine: Engine, invitation_id: int) -> tuple[str, str | None, str]:
    """(send_state, message_sid, attempt status) of one invitation."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT i.send_state, i.message_sid, a.status FROM invitations i "
                "JOIN message_attempts a ON a.invitation_id = i.id WHERE i.id = :i"
            ),
            {"i": invitation_id},
        ).one()
    return row.send_state, row.message_sid, row.status


def test_a_message_the_provider_has_is_accepted_not_resent(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    # The dead worker's request reached Twilio before the worker died.
    sid = emulator.create(**sent_as(send_app, claim)).json()["sid"]

    report = reconcile(send_app, engine, emulator.url)

    assert (report.accepted, report.requeued) == (1, 0)
    assert invitation(engine, claim.invitation_id) == ("accepted", sid, "accepted")
    assert emulator.get("/stats")["accepted_total"] == 1


def test_an_attempt_the_provider_never_saw_is_lost_and_requeued(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    # Someone else's message to another number, and one from another sender, do not count.
    emulator.create(To=f"whatsapp:{phone(1)}", From=SENDER, Body="Hi")
    emulator.create(To=f"whatsapp:{phone(0)}", From="whatsapp:+14155550100", Body="Hi")

    report = reconcile(send_app, engine, emulator.url)

    assert (report.accepted, report.requeued) == (0, 1)
    assert invitation(engine, claim.invitation_id) == ("pending", None, "lost")


def test_a_message_owned_by_another_invitation_is_not_taken(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    # The same number is a guest of another event, already invited with this message.
    (other,) = make_guests(send_app, make_event(send_app, "Other"), [("Guest 0", phone(0))])
    sid = emulator.create(**sent_as(send_app, claim)).json()["sid"]
    invite(send_app, other, attempt_count=1, message_sid=sid)

    report = reconcile(send_app, engine, emulator.url)

    assert report.requeued == 1
    assert invitation(engine, claim.invitation_id) == ("pending", None, "lost")


def test_live_leases_are_left_alone(send_app: Flask, engine: Engine, emulator: Emulator) -> None:
    new_campaign(send_app, 2)
    with engine.begin() as connection:
        claims.claim_due(connection, "live-worker", SENDER, 2, 30)

    assert reconcile(send_app, engine, emulator.url).total == 0


def test_an_unreachable_provider_defers_the_decision(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)

    report = reconcile(send_app, engine, "http://127.0.0.1:9")  # nothing listens there

    assert report.deferred == 1
    assert invitation(engine, claim.invitation_id) == ("sending", None, "in_flight")
    with engine.connect() as connection:
        hold = connection.execute(
            text("SELECT claimed_until > now(), claimed_by FROM invitations")
        ).one()
    assert tuple(hold) == (True, None)


def test_claims_of_a_canceled_campaign_go_to_canceled(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    assert claim.campaign_id is not None
    campaigns.cancel(claim.campaign_id)

    reconcile(send_app, engine, emulator.url)

    assert invitation(engine, claim.invitation_id) == ("canceled", None, "lost")


def test_a_message_still_queued_at_the_provider_is_found(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    # Another message to the same number went out in the window (so a DateSent filter finds
    # something), while ours still waits in Twilio's queue with no date_sent.
    emulator.create(To=f"whatsapp:{phone(0)}", From=SENDER, Body="Parking opens at 6")
    assert eventually(lambda: all(m["date_sent"] for m in emulator.messages()), 5)
    emulator.configure(queue_delay="30")
    sid = emulator.create(**sent_as(send_app, claim)).json()["sid"]

    report = reconcile(send_app, engine, emulator.url)

    assert (report.accepted, report.requeued) == (1, 0)
    assert invitation(engine, claim.invitation_id) == ("accepted", sid, "accepted")


def test_a_twiml_answer_or_another_tools_message_is_not_taken_for_the_invitation(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    guest = f"whatsapp:{phone(0)}"
    # The guest wrote about another event; the service's TwiML answer went to the guest
    # from the same sender (an `outbound-reply`).
    receiver = Receiver()
    receiver.answers["/inbound"] = b"<Response><Message>Thanks, Guest 0!</Message></Response>"
    receiver.thread.start()
    try:
        answer = emulator.control(
            "/reply", {"from": guest, "text": "yes", "url": receiver.base_url + "/inbound"}
        )
        assert answer["status"] == 200
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    # Another tool on the same WhatsApp number sent the guest something else.
    emulator.create(To=guest, From=SENDER, Body="Your table is booked")
    assert len(emulator.messages()) == 2

    report = reconcile(send_app, engine, emulator.url)

    assert (report.accepted, report.requeued) == (0, 1)
    assert invitation(engine, claim.invitation_id) == ("pending", None, "lost")


def test_the_message_with_this_invitations_content_is_taken(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    (claim,) = stale_claims(send_app, engine, 1)
    # First, an invitation to another event for the same guest that nothing recorded yet;
    # then this invitation's own message.
    other = replace(claim.invitee, event_name="Other", venue="Garden")
    emulator.create(**build_params(defaults_of(send_app), other))
    sid = emulator.create(**sent_as(send_app, claim)).json()["sid"]

    report = reconcile(send_app, engine, emulator.url)

    assert report.accepted == 1
    assert invitation(engine, claim.invitation_id) == ("accepted", sid, "accepted")
