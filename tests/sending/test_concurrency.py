"""Campaign operations fired at once: no 500, no deadlock, never two invitations for a guest.

Creation, single sends, pause, resume, cancel and retry-failed take their row locks in one
order (event, then campaign, then guest, then invitations), in modes that let the foreign
key checks of the others through; a property-based test fires random mixes of them
concurrently against PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from tests.support.constants import API_AUTH
from tests.support.factories import insert_guests

GUESTS = 4
OK = {200, 201, 202, 409}

operations = st.lists(
    st.one_of(
        st.just(("create", 0)),
        st.tuples(st.just("send"), st.integers(0, GUESTS - 1)),
        st.tuples(st.sampled_from(["pause", "resume", "cancel", "retry-failed"]), st.just(0)),
    ),
    min_size=2,
    max_size=8,
)


@pytest.fixture
def event_guests(send_app: Flask) -> Iterator[Flask]:
    """The app, with an app context for the engine."""
    with send_app.app_context():
        yield send_app


def fire(app: Flask, event_id: int, guest_ids: list[int], ops: list[tuple[str, int]]) -> list[int]:
    """Run every operation in its own thread, released together; return the statuses."""
    start = threading.Barrier(len(ops))

    def run(op: tuple[str, int]) -> int:
        name, index = op
        client = app.test_client()
        start.wait(timeout=10)
        if name == "create":
            return client.post(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).status_code
        if name == "send":
            path = f"/api/v1/guests/{guest_ids[index]}/invitation"
            return client.post(path, headers=API_AUTH).status_code
        listed = client.get(f"/api/v1/events/{event_id}/campaigns", headers=API_AUTH).get_json()
        if not listed["campaigns"]:
            return 409
        path = f"/api/v1/campaigns/{listed['campaigns'][0]['id']}/{name}"
        return client.post(path, headers=API_AUTH).status_code

    with ThreadPoolExecutor(max_workers=len(ops)) as pool:
        return list(pool.map(run, ops))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_concurrent_operations_never_fail_or_invite_twice(
    event_guests: Flask, engine: Engine, send_env: dict[str, str], ops: list[tuple[str, int]]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], GUESTS)
    with engine.connect() as connection:
        guest_ids = list(
            connection.execute(
                text("SELECT id FROM guests WHERE event_id = :e ORDER BY id"), {"e": event_id}
            ).scalars()
        )

    statuses = fire(event_guests, event_id, guest_ids, ops)

    assert set(statuses) <= OK, list(zip(ops, statuses, strict=True))
    with engine.connect() as connection:
        per_guest = dict(
            connection.execute(
                text(
                    "SELECT g.id, count(i.id) FROM guests g LEFT JOIN invitations i "
                    "ON i.guest_id = g.id WHERE g.event_id = :e GROUP BY g.id"
                ),
                {"e": event_id},
            ).all()
        )
        totals = connection.execute(
            text(
                "SELECT c.total, (SELECT count(*) FROM invitations i WHERE i.campaign_id = c.id) "
                "FROM campaigns c WHERE c.event_id = :e AND c.state <> 'canceled'"
            ),
            {"e": event_id},
        ).all()
    assert all(n <= 1 for n in per_guest.values())
    invited = any(
        (op[0] == "create" and s == 201) or (op[0] == "send" and s == 202)
        for op, s in zip(ops, statuses, strict=True)
    )
    if any(op[0] == "create" and s == 201 for op, s in zip(ops, statuses, strict=True)):
        assert all(n == 1 for n in per_guest.values())
    assert invited == any(per_guest.values())
    # A campaign counts only what it holds (a single send takes a guest out of it).
    assert all(held <= total for total, held in totals)
