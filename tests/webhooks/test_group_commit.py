"""Webhooks committed in groups by a real gunicorn (gevent) worker, under concurrent load.

Many webhooks in flight at once are written together (app.statements.GroupCommit): this
checks that nothing is lost, duplicated or reordered by it. Twilio's retries of one
MessageSid land in the same group and are still stored once, every RSVP answer is kept,
every status only moves forward, and PostgreSQL saw fewer commits than requests.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import create_engine, text

from app.services.webhook_spool import SPOOL_KEY, SpooledWebhook, spool_length
from app.statements import WAIT_SECONDS, WRITERS
from app.tasks.spool import replay_spool
from tests.support.database import query, scalar
from tests.support.factories import seed
from tests.support.polling import eventually
from tests.support.stack import running_web
from tests.support.webhooks import (
    AUTH_TOKEN,
    INBOUND,
    STATUS,
    button_form,
    inbound_form,
    new_sid,
    sign,
    status_form,
)

pytestmark = pytest.mark.slow

GUESTS = 40


@pytest.fixture
def web(app: Flask, migrated: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The web process as the Procfile runs it (gunicorn, one gevent worker)."""
    with running_web(migrated, tmp_path, TWILIO_AUTH_TOKEN=AUTH_TOKEN) as (base_url, _):
        yield base_url


def commits(database_url: str) -> int:
    """Transactions committed in the test database so far (flushed by exited backends)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


Post = tuple[str, dict[str, str]]


def post(web: str, item: Post, timeout: float = 30) -> tuple[int, str]:
    """POST one signed webhook; its status and body."""
    path, form = item
    signature = sign(web + path, form)
    response = requests.post(
        web + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=timeout
    )
    return response.status_code, response.text


def post_all(web: str, posts: list[Post]) -> list[tuple[int, str]]:
    """POST every webhook from 48 threads at once; their statuses and bodies, in order."""
    with ThreadPoolExecutor(max_workers=48) as pool:
        return list(pool.map(lambda item: post(web, item), posts))


def test_concurrent_webhooks_are_grouped_and_each_is_applied_once(
    app: Flask, migrated: dict[str, str], web: str
) -> None:
    rng = random.Random(5)
    phones = [f"+1202555{n:04d}" for n in range(GUESTS)]
    sids = [seed(app, phone, event_name=f"Event {n}").message_sid for n, phone in enumerate(phones)]
    texts = [inbound_form(rng.choice(phones), f"message {n} at 100% 'quoted'") for n in range(300)]
    retried = [inbound_form(phone, "Are you there?") for phone in phones]
    taps = [button_form(phone, "yes", "Yes", sid) for phone, sid in zip(phones, sids, strict=True)]
    statuses = [
        status_form(sid or "", status) for sid in sids for status in ("sent", "delivered", "read")
    ]
    posts = (
        [(INBOUND, form) for form in texts]
        + [(INBOUND, form) for form in retried for _ in range(4)]  # Twilio's retries, at once
        + [(INBOUND, form) for form in taps]
        + [(STATUS, form) for form in statuses for _ in range(2)]  # callbacks arrive twice
    )
    rng.shuffle(posts)
    before = commits(migrated["DATABASE_URL"])

    answers = post_all(web, posts)

    assert all(code == 200 for code, _ in answers), [a for a in answers if a[0] != 200][:3]
    # On a machine so busy that a write outlasts its request's wait, the webhook is spooled
    # (acknowledged at once, applied by the replay): nothing may be missing once that has
    # run, and a tap answered with nothing is confirmed by the engine afterwards.
    unconfirmed = {
        form["From"].removeprefix("whatsapp:")
        for (_, form), (_, body) in zip(posts, answers, strict=True)
        if form in taps and "<Message>" not in body
    }
    assert len(unconfirmed) <= spool_length(redis.Redis.from_url(migrated["REDIS_URL"]))
    replay_spool(app)
    owed = scalar(
        app,
        "SELECT coalesce(array_agg(g.phone), '{}') FROM invitations i"
        " JOIN guests g ON g.id = i.guest_id WHERE i.kind = 'reply'",
    )
    assert unconfirmed <= set(owed)
    stored = scalar(app, "SELECT count(*) FROM inbound_messages")
    assert stored == len(texts) + len(retried) + len(taps)
    assert scalar(app, "SELECT count(DISTINCT message_sid) FROM inbound_messages") == stored
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == GUESTS
    assert scalar(app, "SELECT count(*) FROM invitations WHERE rsvp = 'confirmed'") == GUESTS
    assert scalar(app, "SELECT count(*) FROM invitations WHERE delivery_status = 'read'") == GUESTS
    assert scalar(app, "SELECT count(*) FROM status_callbacks") >= len(statuses)
    # Grouped: far fewer transactions than webhooks (each group is one commit).
    committed = commits(migrated["DATABASE_URL"]) - before
    assert committed < len(posts) * 0.8, f"{committed} commits for {len(posts)} webhooks"


def test_a_lone_webhook_is_answered_at_once(app: Flask, web: str) -> None:
    seed(app, "+12025550199")
    form = inbound_form("+12025550199", "hello", MessageSid=new_sid())
    response = requests.post(
        web + INBOUND,
        data=form,
        headers={"X-Twilio-Signature": sign(web + INBOUND, form)},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 1


def terminate_web_backends(database_url: str) -> int:
    """Kill every server connection of the web process (as a PostgreSQL restart would)."""
    found = create_engine(database_url)
    try:
        with found.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'web'"
                    " AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            connection.commit()
            return int(killed)
    finally:
        found.dispose()


def spooled_sids(app: Flask) -> list[str]:
    """The MessageSids waiting in the Redis spool."""
    client = redis.Redis.from_url(app.config["SETTINGS"].redis_url)
    items = [SpooledWebhook.loads(raw) for raw in client.lrange(SPOOL_KEY, 0, -1)]
    client.close()
    return [dict(item.pairs)["MessageSid"] for item in items]


def test_connections_killed_under_load_lose_and_repeat_nothing(
    app: Flask, migrated: dict[str, str], web: str
) -> None:
    phones = [f"+1202555{n:04d}" for n in range(GUESTS)]
    for phone in phones:
        seed(app, phone)
    forms = [inbound_form(phones[n % GUESTS], f"note {n}") for n in range(600)]
    stop = threading.Event()
    kills: list[int] = []

    def killer() -> None:
        while not stop.wait(0.15):
            kills.append(terminate_web_backends(migrated["DATABASE_URL"]))

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        answers = post_all(web, [(INBOUND, form) for form in forms])
    finally:
        stop.set()
        thread.join()

    assert sum(kills) > 0, "no connection was killed while webhooks flowed"
    # Every webhook acknowledged: written at once, or spooled (a group whose connection died
    # is retried once; a second loss spools it), and each is stored once after the replay.
    assert all(code == 200 for code, _ in answers), [a for a in answers if a[0] != 200][:3]
    spooled = spooled_sids(app)
    stored = scalar(app, "SELECT count(*) FROM inbound_messages")
    assert stored + len(spooled) >= len(forms)
    replay_spool(app)
    assert scalar(app, "SELECT count(*) FROM inbound_messages") == len(forms)
    assert scalar(app, "SELECT count(DISTINCT message_sid) FROM inbound_messages") == len(forms)


def test_a_write_that_commits_after_its_request_gave_up_is_stored_once(
    app: Flask, migrated: dict[str, str], web: str
) -> None:
    seeded = seed(app, "+12025550177")
    tap = button_form("+12025550177", "yes", "Yes", seeded.message_sid)
    engine = create_engine(migrated["DATABASE_URL"])
    try:
        with engine.connect() as blocker:
            # The RSVP must wait for this lock longer than a request waits for its write.
            blocker.execute(
                text("SELECT id FROM invitations WHERE id = :id FOR UPDATE"),
                {"id": seeded.invitation_id},
            )
            code, body = post(web, (INBOUND, tap), timeout=WAIT_SECONDS + 10)
            assert code == 200 and "<Message>" not in body  # spooled: acknowledged, no answer
            assert spooled_sids(app) == [tap["MessageSid"]]
            blocker.rollback()  # the late write now commits
        assert eventually(lambda: scalar(app, "SELECT count(*) FROM rsvp_responses") == 1, 10)
    finally:
        engine.dispose()
    replay_spool(app)  # the spooled copy is recognised and changes nothing
    assert scalar(app, "SELECT count(*) FROM inbound_messages") == 1
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == 1
    assert spooled_sids(app) == []
    rsvp = scalar(app, "SELECT rsvp FROM invitations WHERE id = :id", id=seeded.invitation_id)
    assert rsvp == "confirmed"


def test_a_write_no_writer_took_in_time_is_replayed_and_its_answer_owed(
    app: Flask, migrated: dict[str, str], web: str
) -> None:
    phones = [f"+1202555{n:04d}" for n in range(WRITERS + 1)]
    seeded = [seed(app, phone) for phone in phones]
    taps = [
        button_form(phone, "yes", "Yes", found.message_sid)
        for phone, found in zip(phones, seeded, strict=True)
    ]
    engine = create_engine(migrated["DATABASE_URL"])
    try:
        with engine.connect() as blocker, ThreadPoolExecutor(max_workers=len(taps)) as pool:
            # Every writer is held by a group waiting for one of these locks...
            blocker.execute(
                text("SELECT id FROM invitations WHERE id = ANY(:ids) FOR UPDATE"),
                {"ids": [found.invitation_id for found in seeded[:WRITERS]]},
            )
            held = []
            for tap in taps[:WRITERS]:
                held.append(pool.submit(post, web, (INBOUND, tap), WAIT_SECONDS + 10))
                time.sleep(0.3)  # one group each
            # ...so the last tap waits in the queue until its request gives up.
            code, body = post(web, (INBOUND, taps[-1]), timeout=WAIT_SECONDS + 10)
            assert code == 200 and "<Message>" not in body
            assert spooled_sids(app) == [taps[-1]["MessageSid"]]
            blocker.rollback()
            assert [future.result()[0] for future in held] == [200] * WRITERS
    finally:
        engine.dispose()
    # It was never written: the replay applies it, with everything that follows a yes.
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == WRITERS
    replay_spool(app)
    assert scalar(app, "SELECT count(*) FROM rsvp_responses") == WRITERS + 1
    owed = query(
        app,
        "SELECT g.phone, i.body FROM invitations i JOIN guests g ON g.id = i.guest_id"
        " WHERE i.kind = 'reply'",
    )
    assert [row.phone for row in owed] == [phones[-1]]
