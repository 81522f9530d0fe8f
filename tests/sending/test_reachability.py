"""One rule for who may receive a message, decided per phone number, used by every path."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims
from app.sending.reachability import record_failures
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.factories import insert_guests, phone


def test_a_dead_number_is_marked_in_every_event_and_an_opt_out_is_only_an_opt_out(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    first = insert_guests(send_env["DATABASE_URL"], 3)
    second = insert_guests(send_env["DATABASE_URL"], 3, event_name="Other")
    with engine.begin() as connection:
        record_failures(connection, [(phone(0), 63024), (phone(1), 21610), (phone(2), 30008)])

    with engine.connect() as connection:
        marked = connection.execute(
            text("SELECT phone, unreachable_code FROM guests WHERE unreachable_code IS NOT NULL")
        ).all()
        opted_out = connection.execute(text("SELECT phone FROM opt_outs")).scalars().all()
    assert sorted(tuple(row) for row in marked) == [(phone(0), 63024), (phone(0), 63024)]
    assert opted_out == [phone(1)]
    # Every path agrees: the pre-flight, creation and the claim leave both numbers out.
    assert campaigns.preflight(second).recipients == 1
    campaigns.create_campaign(first)
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker", SENDER, 10, 30)
    assert [c.invitee.phone for c in batch.claims] == [phone(2)]
