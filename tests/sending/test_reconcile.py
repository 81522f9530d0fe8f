"""Reconciliation against the emulator: find the message, or declare the attempt lost."""

from __future__ import annotations

import asyncio

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims
from app.sending.client import ProviderClient
from app.sending.reconcile import Report, reconcile_stale
from app.services import campaigns
from tests.sending.support import SENDER, EmulatorHandle, insert_guests, phone
from tests.sending.test_claims import new_campaign

ACCOUNT = "AC" + "a" * 32
TOKEN = "emulator-auth-token"


def reconcile(engine: Engine, base_url: str) -> Report:
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
                default_sender=SENDER,
                limit=100,
            )
        finally:
            await provider.close()

    return asyncio.run(run())


def stale_claims(engine: Engine, send_env: dict[str, str], guests: int) -> list[claims.Claim]:
    """Claims of a worker that died: in flight, lease expired."""
    new_campaign(send_env, guests)
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
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    (claim,) = stale_claims(engine, send_env, 1)
    # The dead worker's request reached Twilio before the worker died.
    sid = emulator.create(To=f"whatsapp:{phone(0)}", From=SENDER, Body="Hi").json()["sid"]

    report = reconcile(engine, emulator.url)

    assert (report.accepted, report.requeued) == (1, 0)
    assert invitation(engine, claim.invitation_id) == ("accepted", sid, "accepted")
    assert emulator.get("/stats")["accepted_total"] == 1


def test_an_attempt_the_provider_never_saw_is_lost_and_requeued(
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    (claim,) = stale_claims(engine, send_env, 1)
    # Someone else's message to another number, and one from another sender, do not count.
    emulator.create(To=f"whatsapp:{phone(1)}", From=SENDER, Body="Hi")
    emulator.create(To=f"whatsapp:{phone(0)}", From="whatsapp:+14155550100", Body="Hi")

    report = reconcile(engine, emulator.url)

    assert (report.accepted, report.requeued) == (0, 1)
    assert invitation(engine, claim.invitation_id) == ("pending", None, "lost")


def test_a_message_owned_by_another_invitation_is_not_taken(
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    (claim,) = stale_claims(engine, send_env, 1)
    # The same number is a guest of another event, already invited with this message.
    other_event = insert_guests(send_env["DATABASE_URL"], 1, event_name="Other")
    sid = emulator.create(To=f"whatsapp:{phone(0)}", From=SENDER, Body="Hi").json()["sid"]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO invitations "
                "(event_id, guest_id, send_state, attempt_count, message_sid) "
                "SELECT event_id, id, 'accepted', 1, :sid FROM guests WHERE event_id = :e"
            ),
            {"sid": sid, "e": other_event},
        )

    report = reconcile(engine, emulator.url)

    assert report.requeued == 1
    assert invitation(engine, claim.invitation_id) == ("pending", None, "lost")


def test_live_leases_are_left_alone(
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    new_campaign(send_env, 2)
    with engine.begin() as connection:
        claims.claim_due(connection, "live-worker", SENDER, 2, 30)

    assert reconcile(engine, emulator.url).total == 0


def test_an_unreachable_provider_defers_the_decision(
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    (claim,) = stale_claims(engine, send_env, 1)

    report = reconcile(engine, "http://127.0.0.1:9")  # nothing listens there

    assert report.deferred == 1
    assert invitation(engine, claim.invitation_id) == ("sending", None, "in_flight")
    with engine.connect() as connection:
        hold = connection.execute(
            text("SELECT claimed_until > now(), claimed_by FROM invitations")
        ).one()
    assert tuple(hold) == (True, None)


def test_claims_of_a_canceled_campaign_go_to_canceled(
    send_app: Flask, engine: Engine, emulator: EmulatorHandle, send_env: dict[str, str]
) -> None:
    (claim,) = stale_claims(engine, send_env, 1)
    assert claim.campaign_id is not None
    campaigns.cancel(claim.campaign_id)

    reconcile(engine, emulator.url)

    assert invitation(engine, claim.invitation_id) == ("canceled", None, "lost")
