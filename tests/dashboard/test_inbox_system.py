"""The inbox of guests' messages, and the system page (workers, queues, the sender)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import (
    CampaignState,
    InboundKind,
    InboundMessage,
    Invitation,
    Rsvp,
    RsvpResponse,
    SendState,
)
from app.sending.stuck import note_error
from tests.support.dashboard import add_admin, link_param, sign_in_session, text_of
from tests.support.database import dispose_engines, sql_statements
from tests.support.factories import (
    ago,
    invite,
    make_campaign,
    make_event,
    make_guests,
    make_inbound_messages,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def add_messages(
    app: Flask, count: int, kind: InboundKind = InboundKind.TEXT, **fields: object
) -> None:
    """Store `count` inbound messages, one minute apart, after those already stored."""
    with app.app_context():
        offset = db.session.query(InboundMessage).count()
    make_inbound_messages(
        app,
        [
            {
                "from_phone": "whatsapp:+971501234567",
                "body": f"message {n}",
                "kind": kind,
                "received_at": START + timedelta(minutes=n),
                **fields,
            }
            for n in range(offset, offset + count)
        ],
    )


def bodies(html: str) -> list[str]:
    """The message texts of an inbox page, in page order."""
    return re.findall(r'<p class="message-body" dir="auto"><bdi[^>]*>(message \d+)', html)


def test_inbox_lists_messages_newest_first_with_guest_and_event(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app, "عشاء الخميس")
    (guest_id,) = make_guests(app, event_id, [("ليلى أحمد", "+971501234567")])
    add_messages(
        app, 1, InboundKind.RSVP, guest_id=guest_id, event_id=event_id, button_payload="yes"
    )
    add_messages(app, 1, InboundKind.TEXT, profile_name="Stranger")
    html = user.get("/inbox").get_data(as_text=True)
    assert bodies(html) == ["message 1", "message 0"]
    page = text_of(html)
    assert "ليلى أحمد +971501234567 · عشاء الخميس" in page  # the full number, for the organiser
    assert "button “yes”" in page
    assert "Stranger" in page


def test_inbox_filters_by_kind_and_pages(app: Flask, user: FlaskClient) -> None:
    add_messages(app, 55, InboundKind.TEXT)
    add_messages(app, 2, InboundKind.OPTOUT)
    optouts = user.get("/inbox?kind=optout").get_data(as_text=True)
    assert bodies(optouts) == ["message 56", "message 55"]
    first = user.get("/inbox?kind=text").get_data(as_text=True)
    assert bodies(first) == [f"message {n}" for n in range(54, 4, -1)]
    cursor = link_param(first, "before")
    second = user.get(f"/inbox?kind=text&before={cursor}").get_data(as_text=True)
    assert bodies(second) == [f"message {n}" for n in range(4, -1, -1)]
    assert "Older messages" not in second
    assert len(bodies(user.get("/inbox?kind=nonsense&before=garbage").get_data(as_text=True))) == 50


def test_inbox_when_empty(user: FlaskClient) -> None:
    assert "No messages yet." in text_of(user.get("/inbox").get_data(as_text=True))


def register_worker(connection: redis.Redis, name: str, heartbeat_age: float = 0) -> Worker:
    """Register an RQ worker in Redis as a running one would (without running it)."""
    worker = Worker([Queue("send", connection=connection)], connection=connection, name=name)
    worker.register_birth()
    worker.set_state("idle")
    worker.heartbeat()
    if heartbeat_age:
        beat = datetime.now(UTC) - timedelta(seconds=heartbeat_age)
        connection.hset(worker.key, "last_heartbeat", beat.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return worker


def test_system_page_shows_workers_queues_and_failures(app: Flask, user: FlaskClient) -> None:
    connection = redis.Redis.from_url(app.config["SETTINGS"].redis_url)
    register_worker(connection, "alive-worker")
    register_worker(connection, "dead-worker", heartbeat_age=600)
    queue = Queue("default", connection=connection)
    queue.enqueue("app.tasks.sending.sweep")
    failed = Job.create("app.tasks.sending.sweep", connection=connection)
    failed.save()
    FailedJobRegistry(queue=queue).add(failed, ttl=60, exc_string="boom")
    html = user.get("/system").get_data(as_text=True)
    page = text_of(html)
    assert 'data-stat="live-workers">1<' in html
    assert "alive-worker idle" in page and "dead-worker silent" in page
    assert re.search(
        r"default</th><td class=\"num\"[^>]*>1</td>.*?<td class=\"num text-danger\"[^>]*>1</td>",
        html,
    )
    assert "Everything is running" in page
    connection.close()


def test_system_page_reports_workers_up_but_idle(app: Flask, user: FlaskClient) -> None:
    connection = redis.Redis.from_url(app.config["SETTINGS"].redis_url)
    register_worker(connection, "idle-worker")
    event_id = make_event(app)
    (guest_id,) = make_guests(app, event_id, [("Ada", "+12025550101")])
    invite(app, guest_id, send_state=SendState.PENDING, next_attempt_at=ago(minutes=5))
    page = text_of(user.get("/system").get_data(as_text=True))
    assert "Needs attention" in page
    assert "workers are up but idle" in page
    assert "Oldest due invitation waiting 5 min" in page
    connection.close()


def test_system_page_without_any_worker(user: FlaskClient) -> None:
    page = text_of(user.get("/system").get_data(as_text=True))
    assert "No worker is alive: nothing will be sent." in page
    assert "Live workers 0" in page
    assert "No campaign is running or paused." in page


def test_system_page_reads_running_campaigns_in_a_fixed_number_of_queries(
    app: Flask, user: FlaskClient
) -> None:
    def add_campaigns(count: int) -> None:
        for n in range(count):
            event_id = make_event(app, f"Event {n}")
            settled = [{"send_state": SendState.ACCEPTED}] * (n + 1)
            states = [CampaignState.RUNNING, CampaignState.PAUSED]
            make_campaign(
                app, event_id, [*settled, {"send_state": SendState.PENDING}], states[n % 2]
            )

    def system_page() -> tuple[str, int]:
        with sql_statements(app) as statements:
            page = text_of(user.get("/system").get_data(as_text=True))
        return page, len(statements)

    add_campaigns(2)
    _, queries_for_two = system_page()
    add_campaigns(5)
    page, queries_for_seven = system_page()
    assert queries_for_seven == queries_for_two
    assert page.count("Campaign #") == 7
    assert "Event 4 Running 83% of 6" in page  # 5 of 6 settled


def test_system_page_survives_an_unreachable_redis(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "REDIS_URL": "redis://127.0.0.1:1/0"})
    user_id = add_admin(app)
    client = app.test_client()
    sign_in_session(client, user_id)
    try:
        response = client.get("/system")
        assert response.status_code == 200
        page = text_of(response.get_data(as_text=True))
        assert "Redis is unreachable" in page
        assert "Redis could not be read (ConnectionError)" in page
    finally:
        with app.app_context():
            db.session.execute(text("TRUNCATE users RESTART IDENTITY CASCADE"))
            db.session.commit()
            dispose_engines()


def stall_a_campaign(app: Flask) -> int:
    """A running campaign with an invitation due and nothing settled for two minutes."""
    due = {"send_state": SendState.PENDING, "next_attempt_at": ago(minutes=2)}
    return make_campaign(app, make_event(app), [due], progressed_at=ago(minutes=2))


def test_a_stuck_campaign_shows_everywhere_with_the_last_error(
    app: Flask, user: FlaskClient
) -> None:
    campaign_id = stall_a_campaign(app)
    connection = redis.Redis.from_url(app.config["SETTINGS"].redis_url)
    register_worker(connection, "busy-but-useless")
    note_error(connection, "claim", RuntimeError("out of shared memory"))

    ready = user.get("/ready")
    assert ready.status_code == 503
    detail = ready.get_json()["checks"]["sending"]["detail"]
    assert detail.startswith(f"campaigns {campaign_id}: invitations due, none settled for 12")
    assert "last error (claim" in detail and "RuntimeError: out of shared memory" in detail
    metrics = user.get("/metrics").get_data(as_text=True)
    assert "sending_campaigns_stuck 1.0" in metrics
    assert "sending_last_error_timestamp_seconds" in metrics
    page = text_of(user.get("/system").get_data(as_text=True))
    assert f"Campaign #{campaign_id} has invitations due and has sent none for 12" in page
    assert "in claim: RuntimeError: out of shared memory" in page
    connection.close()


def test_a_campaign_that_moves_is_not_stuck(app: Flask, user: FlaskClient) -> None:
    campaign_id = stall_a_campaign(app)
    with app.app_context():
        db.session.execute(
            text("UPDATE campaigns SET progressed_at = now() - interval '10 seconds'")
        )
        db.session.commit()
    checks = user.get("/ready").get_json()["checks"]
    assert checks["sending"] == {"ok": True, "detail": "ok"}
    page = text_of(user.get("/system").get_data(as_text=True))
    assert f"Campaign #{campaign_id} has invitations due" not in page


def test_unread_answers_need_an_answer_until_the_organiser_sets_the_rsvp(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    (guest_id,) = make_guests(app, event_id, [("Ana", "+34612345678")])
    invitation_id = invite(app, guest_id)
    add_messages(app, 1, InboundKind.TEXT, guest_id=guest_id, event_id=event_id)
    add_messages(app, 1, InboundKind.TEXT, profile_name="Stranger")  # no invitation
    needs = user.get("/inbox?kind=needs").get_data(as_text=True)
    assert bodies(needs) == ["message 0"]
    assert "Needs an answer" in text_of(needs)
    with app.app_context():
        message_id = db.session.query(InboundMessage.id).filter_by(guest_id=guest_id).scalar()
    response = user.post(f"/inbox/{message_id}/rsvp", data={"rsvp": "declined", "kind": "needs"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox?kind=needs")
    assert bodies(user.get("/inbox?kind=needs").get_data(as_text=True)) == []
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.rsvp is Rsvp.DECLINED
        history = db.session.query(RsvpResponse).filter_by(invitation_id=invitation_id).one()
        assert (history.rsvp, history.inbound_message_id) == (Rsvp.DECLINED, message_id)


def test_one_click_rsvp_refuses_bad_input_and_changes_nothing(
    app: Flask, user: FlaskClient
) -> None:
    add_messages(app, 1, InboundKind.TEXT, profile_name="Stranger")
    with app.app_context():
        message_id = db.session.query(InboundMessage.id).scalar()
    assert user.post(f"/inbox/{message_id}/rsvp", data={"rsvp": "sure"}).status_code == 400
    assert user.post("/inbox/999999/rsvp", data={"rsvp": "maybe"}).status_code == 404
    response = user.post(f"/inbox/{message_id}/rsvp", data={"rsvp": "maybe"})
    assert response.status_code == 302  # a stranger has no invitation: said, nothing stored
    assert "no invitation" in user.get("/inbox").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(RsvpResponse).count() == 0
