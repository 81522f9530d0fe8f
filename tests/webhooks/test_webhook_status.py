"""`POST /webhooks/twilio/status`: every callback kept, the status only moves forward."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.sending.statuses import link_early_callbacks
from tests.support.database import query, scalar
from tests.support.factories import seed
from tests.support.webhooks import STATUS, new_sid, signed_post, status_form

PHONE = "+14155550100"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def invitation(app: Flask, invitation_id: int | None) -> dict:
    [row] = query(app, "SELECT * FROM invitations WHERE id = :id", id=invitation_id)
    return dict(row._mapping)


def post_statuses(client: FlaskClient, sid: str, statuses: list[str]) -> None:
    for status in statuses:
        response = signed_post(client, STATUS, status_form(sid, status))
        assert response.status_code == 200
        assert response.get_data(as_text=True) == EMPTY
        assert response.mimetype == "text/xml"


ORDERS = [
    list(order) + list(extra)
    for order in itertools.permutations(["sent", "delivered", "read"])
    for extra in ((), ("sent",), ("delivered", "sent"))
]


@pytest.mark.parametrize("statuses", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_shuffled_and_duplicated_callbacks_end_read(
    app: Flask, client: FlaskClient, statuses: list[str]
) -> None:
    seeded = seed(app, PHONE)
    post_statuses(client, seeded.message_sid, statuses)
    row = invitation(app, seeded.invitation_id)
    assert row["delivery_status"] == "read"
    assert row["delivered_at"] is not None
    assert row["read_at"] is not None
    assert row["delivered_at"] <= row["read_at"]
    assert (row["error_code"], row["error_reason"]) == (None, None)
    stored = query(app, "SELECT raw_status, invitation_id FROM status_callbacks ORDER BY id")
    # Each status once, in the order it first came: the duplicates were not stored.
    assert [(r.raw_status, r.invitation_id) for r in stored] == [
        (status, seeded.invitation_id) for status in dict.fromkeys(statuses)
    ]


@pytest.mark.parametrize(
    ("statuses", "final"),
    [
        (["sent", "delivered"], "delivered"),
        (["delivered", "sent"], "delivered"),
        (["queued", "sent"], "sent"),
        (["sent", "queued"], "sent"),
        (["delivered", "undelivered"], "delivered"),
        (["read", "failed"], "read"),
        (["sent", "failed", "delivered", "read"], "failed"),
        (["failed", "sent"], "failed"),
        (["undelivered", "failed"], "undelivered"),
    ],
)
def test_status_never_moves_backwards(
    app: Flask, client: FlaskClient, statuses: list[str], final: str
) -> None:
    seeded = seed(app, PHONE)
    for status in statuses:
        code = 30008 if status in ("failed", "undelivered") else None
        signed_post(client, STATUS, status_form(seeded.message_sid, status, code))
    assert invitation(app, seeded.invitation_id)["delivery_status"] == final
    assert scalar(app, "SELECT count(*) FROM status_callbacks") == len(statuses)


def test_failure_records_code_and_reason(app: Flask, client: FlaskClient) -> None:
    seeded = seed(app, PHONE)
    post_statuses(client, seeded.message_sid, ["sent"])
    signed_post(client, STATUS, status_form(seeded.message_sid, "undelivered", 30008))
    row = invitation(app, seeded.invitation_id)
    assert (row["delivery_status"], row["error_code"]) == ("undelivered", 30008)
    assert row["error_reason"] == "Delivery failed for an unknown reason"
    assert row["delivered_at"] is None
    guest = query(app, "SELECT unreachable_code FROM guests")[0]
    assert guest.unreachable_code is None  # 30008 says nothing about the number itself
    stored = query(app, "SELECT status, error_code, params FROM status_callbacks ORDER BY id")[-1]
    assert (stored.status, stored.error_code) == ("undelivered", 30008)
    assert stored.params["ErrorCode"] == "30008"


def test_not_on_whatsapp_marks_every_guest_with_that_number(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE, event_name="Gala")
    seed(app, PHONE, event_name="Picnic", invited=False)
    other = seed(app, "+14155550199")
    signed_post(
        client,
        STATUS,
        status_form(seeded.message_sid, "failed", 63024, ChannelStatusMessage="Invalid recipient"),
    )
    row = invitation(app, seeded.invitation_id)
    assert (row["delivery_status"], row["error_code"]) == ("failed", 63024)
    assert row["error_reason"] == "The number is not a WhatsApp user"
    guests = query(app, "SELECT id, unreachable_code, unreachable_reason FROM guests ORDER BY id")
    marked = {g.id: (g.unreachable_code, g.unreachable_reason) for g in guests}
    assert marked.pop(other.guest_id) == (None, None)
    assert set(marked.values()) == {(63024, "The number is not a WhatsApp user")}
    assert scalar(app, "SELECT count(*) FROM opt_outs") == 0


def test_provider_opt_out_is_recorded(app: Flask, client: FlaskClient) -> None:
    seeded = seed(app, PHONE)
    signed_post(client, STATUS, status_form(seeded.message_sid, "failed", 21610))
    [row] = query(app, "SELECT phone, source, keyword FROM opt_outs")
    assert tuple(row) == (PHONE, "provider", None)
    # An opt-out, not a dead number: a later START makes the guest reachable again.
    assert scalar(app, "SELECT unreachable_code FROM guests") is None


def test_unknown_sid_is_stored_and_answered_200(app: Flask, client: FlaskClient) -> None:
    sid = new_sid()
    response = signed_post(client, STATUS, status_form(sid, "delivered"))
    assert response.status_code == 200
    [row] = query(app, "SELECT message_sid, status, invitation_id, params FROM status_callbacks")
    assert (row.message_sid, row.status, row.invitation_id) == (sid, "delivered", None)
    assert row.params["MessageStatus"] == "delivered"


def test_the_answer_is_empty_twiml_with_the_security_headers_in_order(
    client: FlaskClient,
) -> None:
    response = signed_post(client, STATUS, status_form(new_sid(), "sent"))
    assert response.get_data() == EMPTY.encode()
    assert list(response.headers.items()) == [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("Content-Length", str(len(EMPTY))),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]


def test_untracked_status_values_are_stored_without_effect(app: Flask, client: FlaskClient) -> None:
    seeded = seed(app, PHONE)
    post_statuses(client, seeded.message_sid, ["sent", "partially_delivered", "Delivered"])
    rows = query(app, "SELECT raw_status, status FROM status_callbacks ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("sent", "sent"),
        ("partially_delivered", None),
        ("Delivered", "delivered"),
    ]
    assert invitation(app, seeded.invitation_id)["delivery_status"] == "delivered"


def test_concurrent_callbacks_never_move_backwards(app: Flask) -> None:
    """Many invitations, each getting its callbacks at once from several threads."""
    invitations = [seed(app, f"+1415555{n:04d}") for n in range(12)]
    jobs = [
        (seeded.message_sid, status)
        for seeded in invitations
        for status in ("read", "sent", "delivered", "sent", "delivered", "read", "queued")
    ]

    def post(job: tuple[str | None, str]) -> int:
        sid, status = job
        assert sid is not None
        return signed_post(app.test_client(), STATUS, status_form(sid, status)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(post, jobs))
    assert set(codes) == {200}
    statuses = query(app, "SELECT delivery_status, count(*) FROM invitations GROUP BY 1")
    assert [tuple(row) for row in statuses] == [("read", len(invitations))]
    # One row per message and status: the repeated ones were replays.
    assert scalar(app, "SELECT count(*) FROM status_callbacks") == len(invitations) * 4


def test_callbacks_before_the_sid_is_recorded_are_applied_when_it_is(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE)
    sid = new_sid()
    post_statuses(client, sid, ["delivered", "sent"])
    assert invitation(app, seeded.invitation_id)["delivery_status"] is None
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            db.text("UPDATE invitations SET message_sid = :sid WHERE id = :id"),
            {"sid": sid, "id": seeded.invitation_id},
        )
        assert link_early_callbacks(connection, [sid, new_sid()]) == 2
    row = invitation(app, seeded.invitation_id)
    assert row["delivery_status"] == "delivered"
    assert row["delivered_at"] is not None
    linked = query(app, "SELECT DISTINCT invitation_id FROM status_callbacks")
    assert [r.invitation_id for r in linked] == [seeded.invitation_id]


def test_a_replayed_callback_is_not_stored_twice(app: Flask) -> None:
    from app.services.delivery import apply_status
    from app.services.webhook_forms import form_pairs, parse_status

    seeded = seed(app, PHONE)
    form = parse_status(form_pairs(status_form(seeded.message_sid or "", "sent").items()))
    received_at = datetime.now(UTC)
    with app.app_context():
        first = apply_status(form, received_at)
        again = apply_status(form, received_at)
        later = apply_status(form, datetime.now(UTC))
    assert (first.stored, again.stored, later.stored) == (True, False, False)
    assert first.delivery_status == "sent"
    assert scalar(app, "SELECT count(*) FROM status_callbacks") == 1


def test_twilios_retry_of_a_callback_changes_nothing_and_adds_no_row(
    app: Flask, client: FlaskClient
) -> None:
    seeded = seed(app, PHONE)
    sid = seeded.message_sid or ""
    token = {"I-Twilio-Idempotency-Token": "f8d6c1a2-1b7e-4c39-9a0e-5d2b7c3e9f10"}
    assert signed_post(client, STATUS, status_form(sid, "sent"), headers=token).status_code == 200
    post_statuses(client, sid, ["delivered"])
    before = invitation(app, seeded.invitation_id)

    # The first answer was lost on the way back: Twilio posts the same callback again.
    assert signed_post(client, STATUS, status_form(sid, "sent"), headers=token).status_code == 200

    assert invitation(app, seeded.invitation_id) == before
    assert scalar(app, "SELECT count(*) FROM status_callbacks") == 2


def test_the_sweep_links_callbacks_whose_sid_was_recorded_after_them(
    app: Flask, client: FlaskClient
) -> None:
    from app.sending.statuses import link_orphan_callbacks

    seeded = seed(app, PHONE)
    sid = new_sid()
    post_statuses(client, sid, ["sent", "delivered"])
    # The writer recorded the SID, but its own linking ran before these callbacks committed.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            db.text("UPDATE invitations SET message_sid = :sid WHERE id = :id"),
            {"sid": sid, "id": seeded.invitation_id},
        )
    assert invitation(app, seeded.invitation_id)["delivery_status"] is None

    with app.app_context(), db.engine.begin() as connection:
        assert link_orphan_callbacks(connection) == 2
    with app.app_context(), db.engine.begin() as connection:
        assert link_orphan_callbacks(connection) == 0
    assert invitation(app, seeded.invitation_id)["delivery_status"] == "delivered"
