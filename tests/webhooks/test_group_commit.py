"""Webhooks committed in groups by a real gunicorn (gevent) worker, under concurrent load.

Many webhooks in flight at once are written together (app.statements.GroupCommit): this
checks that nothing is lost, duplicated or reordered by it. Twilio's retries of one
MessageSid land in the same group and are still stored once, every RSVP answer is kept,
every status only moves forward, and PostgreSQL saw fewer commits than requests.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine, text

from tests.support.web import running_web
from tests.webhooks.support import (
    AUTH_TOKEN,
    INBOUND,
    STATUS,
    button_form,
    inbound_form,
    new_sid,
    scalar,
    seed,
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

    def post(item: tuple[str, dict[str, str]]) -> tuple[int, str]:
        path, form = item
        signature = sign(web + path, form)
        response = requests.post(
            web + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=48) as pool:
        answers = list(pool.map(post, posts))

    assert all(code == 200 for code, _ in answers), [a for a in answers if a[0] != 200][:3]
    confirmations = [
        body for (path, form), (_, body) in zip(posts, answers, strict=True) if form in taps
    ]
    assert all("<Message>" in body for body in confirmations)
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
