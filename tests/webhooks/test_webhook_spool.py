"""PostgreSQL unreachable: webhooks are spooled to Redis, then replayed in order, once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import event

from app.extensions import db, webhook_engine
from app.services import conversations
from app.services.conversations import CONFIRMATION
from app.services.webhook_spool import (
    DEAD_KEY,
    PROCESSING_KEY,
    SPOOL_KEY,
    Endpoint,
    SpooledWebhook,
    spool_length,
)
from app.tasks.spool import replay_spool
from tests.support.apps import AppFactory
from tests.support.database import query, scalar
from tests.support.factories import seed
from tests.support.proxy import TcpProxy
from tests.support.webhooks import (
    INBOUND,
    STATUS,
    button_form,
    inbound_form,
    new_sid,
    signed_post,
    status_form,
    table_counts,
)

PHONE = "+5511987654321"
OTHER = "+14155550123"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
# The answers the replay owes, queued for the engine as reply rows.
OWED = """
SELECT g.phone, i.body, i.send_state FROM invitations i JOIN guests g ON g.id = i.guest_id
WHERE i.kind = 'reply'
"""


def redis_client(app: Flask) -> redis.Redis:
    client: redis.Redis = app.extensions["redis"]
    return client


def outage_traffic(message_sid: str | None) -> list[tuple[str, dict[str, str]]]:
    """What Twilio posts while the database is down, in order."""
    assert message_sid is not None
    return [
        (STATUS, status_form(message_sid, "sent")),
        (INBOUND, inbound_form(PHONE, "Posso levar alguém?")),
        (STATUS, status_form(message_sid, "read")),
        (INBOUND, button_form(PHONE, "no", "Não", message_sid)),
        (STATUS, status_form(message_sid, "delivered")),
        (INBOUND, inbound_form(PHONE, "Sim")),  # a change of mind: the last answer wins
        (INBOUND, inbound_form(OTHER, "STOP")),
    ]


@pytest.mark.parametrize("failure", ["refused", "blackholed"])
def test_webhooks_survive_a_database_outage(
    app: Flask, proxied_app: Flask, db_proxy: TcpProxy, failure: str
) -> None:
    seeded = seed(app, PHONE)
    client = proxied_app.test_client()
    traffic = outage_traffic(seeded.message_sid)
    assert signed_post(client, INBOUND, inbound_form(PHONE, "oi")).status_code == 200  # pool warm
    if failure == "refused":
        db_proxy.stop()
    else:
        db_proxy.blackhole()
    answers = [signed_post(client, path, form) for path, form in traffic]
    assert [a.status_code for a in answers] == [200] * len(traffic)
    assert answers[1].get_data(as_text=True) == EMPTY  # plain text: nothing to say
    assert answers[3].get_data(as_text=True) == EMPTY  # an RSVP's outcome is unknown offline
    stop = answers[-1].get_data(as_text=True)  # an opt-out is confirmed without the database
    assert "You won't receive more messages from us. Reply START to undo." in stop
    assert spool_length(redis_client(proxied_app)) == len(traffic)
    assert table_counts(app)["inbound_messages"] == 1  # only the message before the outage
    assert replay_spool(proxied_app) == 0  # still down: nothing taken off
    assert spool_length(redis_client(proxied_app)) == len(traffic)

    db_proxy.start()
    assert replay_spool(proxied_app) == len(traffic)
    assert replay_spool(proxied_app) == 0
    assert spool_length(redis_client(proxied_app)) == 0

    inbound = [f for p, f in traffic if p == INBOUND]
    recorded = query(app, "SELECT message_sid, kind FROM inbound_messages ORDER BY received_at")
    assert [r.message_sid for r in recorded][1:] == [f["MessageSid"] for f in inbound]
    assert [r.kind for r in recorded][1:] == ["text", "rsvp", "rsvp", "optout"]
    callbacks = query(app, "SELECT raw_status FROM status_callbacks ORDER BY received_at")
    assert [r.raw_status for r in callbacks] == ["sent", "read", "delivered"]
    [invitation] = query(
        app, "SELECT rsvp, delivery_status FROM invitations WHERE id = :id", id=seeded.invitation_id
    )
    assert tuple(invitation) == ("confirmed", "read")
    history = query(app, "SELECT rsvp FROM rsvp_responses ORDER BY created_at")
    assert [r.rsvp for r in history] == ["declined", "confirmed"]
    assert scalar(app, "SELECT phone FROM opt_outs") == OTHER
    # Twilio retrying one of them after the replay changes nothing.
    assert signed_post(client, INBOUND, inbound[-2]).get_data(as_text=True) == EMPTY
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == 2
    # The guest's last answer is confirmed once, by the engine; the opt-out was answered.
    [owed] = query(app, f"{OWED} ORDER BY i.id")
    assert (owed.phone, owed.send_state) == (PHONE, "pending")
    assert "Launch party" in owed.body
    assert replay_spool(proxied_app) == 0
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 1


def test_nothing_can_store_it_so_twilio_must_retry(
    app: Flask, make_app: AppFactory, db_proxy: TcpProxy, proxied_app: Flask
) -> None:
    cut_off = make_app(
        DATABASE_URL=proxied_app.config["SETTINGS"].database.url,
        DB_CONNECT_TIMEOUT="1",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    db_proxy.stop()
    client = cut_off.test_client()
    inbound = signed_post(client, INBOUND, inbound_form(PHONE, "yes"))
    status = signed_post(client, STATUS, status_form(new_sid(), "sent"))
    assert (inbound.status_code, status.status_code) == (503, 503)
    db_proxy.start()
    assert sum(table_counts(app).values()) == 0
    assert spool_length(redis_client(app)) == 0


def test_a_late_replay_never_overwrites_a_newer_answer(
    app: Flask, proxied_app: Flask, db_proxy: TcpProxy
) -> None:
    seeded = seed(app, PHONE)
    client = proxied_app.test_client()
    db_proxy.stop()
    assert signed_post(client, INBOUND, inbound_form(PHONE, "não")).status_code == 200
    assert signed_post(client, INBOUND, inbound_form(OTHER, "parar")).status_code == 200
    db_proxy.start()
    # The database is back: newer messages are applied at once, before the replay runs.
    assert signed_post(client, INBOUND, inbound_form(PHONE, "sim")).status_code == 200
    assert signed_post(client, INBOUND, inbound_form(OTHER, "voltar")).status_code == 200
    assert replay_spool(proxied_app) == 2
    rsvp = scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=seeded.invitation_id)
    assert rsvp == "confirmed"
    history = query(app, "SELECT rsvp FROM rsvp_responses ORDER BY created_at")
    assert [r.rsvp for r in history] == ["declined", "confirmed"]
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 0
    # The newer answer was confirmed when it came: the old one's confirmation is not owed.
    assert query(app, OWED) == []


def test_replay_after_a_crash_applies_each_item_once(app: Flask) -> None:
    seeded = seed(app, PHONE)
    client = redis_client(app)
    start = datetime.now(UTC) - timedelta(minutes=5)
    items = [
        SpooledWebhook(
            Endpoint.INBOUND,
            list(button_form(PHONE, "yes", "Sim", seeded.message_sid).items()),
            start,
            "a",
        ),
        SpooledWebhook(
            Endpoint.STATUS,
            list(status_form(seeded.message_sid or "", "delivered").items()),
            start + timedelta(seconds=1),
            "b",
        ),
    ]
    with app.app_context():
        assert replay_spool(app) == 0
    # A replayer died after committing both items but before removing them from Redis.
    for item in items:
        client.rpush(SPOOL_KEY, item.dumps())
    assert replay_spool(app) == 2
    for item in items:
        client.rpush(PROCESSING_KEY, item.dumps())
    client.rpush(SPOOL_KEY, items[1].dumps())
    assert replay_spool(app) == 3
    assert table_counts(app) == {
        "inbound_messages": 1,
        "status_callbacks": 1,
        "rsvp_responses": 1,
        "opt_outs": 0,
    }
    assert client.llen(PROCESSING_KEY) == client.llen(SPOOL_KEY) == 0
    # Its confirmation was queued by the first replay only: the others applied duplicates.
    assert len(query(app, OWED)) == 1


@pytest.mark.parametrize(("hours_ago", "owed"), [(2, 1), (23.5, 0), (30, 0)])
def test_an_answer_is_owed_only_while_the_guest_can_still_get_it(
    app: Flask, hours_ago: float, owed: int
) -> None:
    seeded = seed(app, PHONE)
    received_at = datetime.now(UTC) - timedelta(hours=hours_ago)
    form = button_form(PHONE, "yes", "Sim", seeded.message_sid)
    item = SpooledWebhook(Endpoint.INBOUND, list(form.items()), received_at, "late")
    redis_client(app).rpush(SPOOL_KEY, item.dumps())
    assert replay_spool(app) == 1
    rsvp = scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=seeded.invitation_id)
    assert rsvp == "confirmed"
    assert len(query(app, OWED)) == owed


def test_plain_text_after_a_spooled_answer_leaves_it_owed(
    app: Flask, proxied_app: Flask, db_proxy: TcpProxy
) -> None:
    seeded = seed(app, PHONE)
    client = proxied_app.test_client()
    db_proxy.stop()
    tap = button_form(PHONE, "yes", "Sim", seeded.message_sid)
    assert signed_post(client, INBOUND, tap).get_data(as_text=True) == EMPTY
    db_proxy.start()
    # The guest wonders, in words that answer nothing, before the replay has run.
    assert signed_post(client, INBOUND, inbound_form(PHONE, "Alô? Recebeu?")).status_code == 200
    assert replay_spool(proxied_app) == 1
    [owed] = query(app, OWED)
    assert owed.phone == PHONE


def test_poison_items_are_set_aside_and_the_rest_replayed(app: Flask) -> None:
    seeded = seed(app, PHONE)
    client = redis_client(app)
    now = datetime.now(UTC)
    good = SpooledWebhook(Endpoint.INBOUND, list(inbound_form(PHONE, "sim").items()), now, "g")
    bad_form = SpooledWebhook(Endpoint.STATUS, [("MessageSid", "nope")], now, "x")
    for raw in ("not json", json.dumps({"v": 99}), json.dumps([1]), bad_form.dumps(), good.dumps()):
        client.rpush(SPOOL_KEY, raw)
    assert replay_spool(app) == 5
    assert client.llen(DEAD_KEY) == 4
    rsvp = scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=seeded.invitation_id)
    assert rsvp == "confirmed"


def test_concurrent_replays_apply_everything_once(app: Flask) -> None:
    seed(app, PHONE)
    client = redis_client(app)
    start = datetime.now(UTC) - timedelta(minutes=1)
    forms = [inbound_form(PHONE, f"message {n}") for n in range(60)]
    for n, form in enumerate(forms):
        item = SpooledWebhook(
            Endpoint.INBOUND, list(form.items()), start + timedelta(milliseconds=n), str(n)
        )
        client.rpush(SPOOL_KEY, item.dumps())
    totals: list[int] = []

    def replay() -> None:
        while spool_length(client):
            totals.append(replay_spool(app, limit=7))

    threads = [threading.Thread(target=replay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(totals) == len(forms)
    recorded = query(app, "SELECT message_sid FROM inbound_messages ORDER BY received_at, id")
    assert [r.message_sid for r in recorded] == [f["MessageSid"] for f in forms]


def test_a_connection_dropped_mid_request_is_retried_not_spooled(app: Flask) -> None:
    seeded = seed(app, PHONE)
    killed: list[int] = []

    def kill_own_backend(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if killed:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with app.app_context():
            killer = db.engine.pool._creator()  # a connection outside the pool
        try:
            killer.autocommit = True
            killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        finally:
            killer.close()
        killed.append(pid)

    with app.app_context():
        engine = webhook_engine()
    event.listen(engine, "before_cursor_execute", kill_own_backend)
    try:
        response = signed_post(app.test_client(), INBOUND, inbound_form(PHONE, "sim"))
    finally:
        event.remove(engine, "before_cursor_execute", kill_own_backend)
    assert killed
    assert response.status_code == 200
    assert "Obrigado, Ana!" in response.get_data(as_text=True)
    assert spool_length(redis_client(app)) == 0
    rsvp = scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=seeded.invitation_id)
    assert rsvp == "confirmed"


def test_the_owed_answer_is_the_service_s_not_the_organiser_s_reply(
    app: Flask, proxied_app: Flask, db_proxy: TcpProxy
) -> None:
    seeded = seed(app, PHONE)
    client = proxied_app.test_client()
    db_proxy.stop()
    question = inbound_form(PHONE, "Posso levar meu filho de 5 anos?")
    assert signed_post(client, INBOUND, question).status_code == 200
    tap = button_form(PHONE, "yes", "Sim", seeded.message_sid)
    assert signed_post(client, INBOUND, tap).status_code == 200
    db_proxy.start()
    assert replay_spool(proxied_app) == 2
    with app.app_context():
        found = conversations.thread(seeded.guest_id)
    asked = next(m for m in found.messages if m.incoming and m.kind == "text")
    assert asked.needs_answer  # the organiser still owes the question an answer
    [sent] = [m for m in found.messages if m.kind == CONFIRMATION]
    assert "Launch party" in (sent.body or "")
    answered = scalar(app, "SELECT answers_message_id FROM invitations WHERE kind = 'reply'")
    yes_id = scalar(
        app, "SELECT id FROM inbound_messages WHERE message_sid = :sid", sid=tap["MessageSid"]
    )
    assert answered == yes_id
