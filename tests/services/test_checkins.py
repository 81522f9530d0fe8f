"""Check-in at the door (app/services/checkins.py): a party let in once, in parts, by devices
at once; the same scan sent twice is one check-in; void and unknown passes find no one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from flask import Flask

from app.extensions import db
from app.models import Rsvp
from app.services import arrivals, checkins
from app.services.checkin_rules import (
    PartyComplete,
    Scan,
    ScanReused,
    TooMany,
    UnknownPass,
    check_count,
    scan_from,
)
from tests.support.constants import ADMIN_EMAIL
from tests.support.dashboard import add_admin
from tests.support.database import execute, query, scalar
from tests.support.door import CODES, make_party
from tests.support.factories import make_event

CODE = CODES[0]
AT = datetime(2026, 12, 6, 20, 4, 5, tzinfo=UTC)


def admit(app: Flask, event_id: int, **scan: object) -> checkins.CheckInResult:
    with app.app_context():
        return checkins.check_in(event_id, Scan(**scan))  # type: ignore[arg-type]


def test_a_party_comes_in_parts_then_its_pass_is_refused_with_the_first_use(
    app: Flask,
) -> None:
    event_id = make_event(app)
    user_id = add_admin(app)
    guest_id = make_party(app, event_id, "Ana García", "+34612345678")
    first = admit(
        app, event_id, code="k7qm 2xdp", count=2, device="Door 1", scanned_at=AT, user_id=user_id
    )
    assert (first.admitted, first.party.checked_in, first.party.left) == (2, 2, 1)
    assert first.party.first is not None and first.party.first.at == AT
    with pytest.raises(TooMany, match="1 of the party of 3 is left"):
        admit(app, event_id, code=CODE, count=2)
    last = admit(app, event_id, code="K7QM-2XDP", device="Door 2")  # everyone left: 1
    assert (last.admitted, last.party.checked_in, last.party.complete) == (1, 3, True)
    with pytest.raises(PartyComplete) as refused:
        admit(app, event_id, code=CODE, device="Door 3")
    party = refused.value.party
    assert party.first is not None
    assert (party.first.at, party.first.email, party.first.device) == (
        AT,
        ADMIN_EMAIL,
        "Door 1",
    )
    assert party.as_json()["first_by"] == {"email": ADMIN_EMAIL, "device": "Door 1"}
    rows = query(app, "SELECT people, pass_code, guest_id FROM checkins ORDER BY id")
    assert [(r.people, r.pass_code, r.guest_id) for r in rows] == [
        (2, CODE, guest_id),
        (1, CODE, guest_id),
    ]


def test_the_same_scan_sent_twice_is_one_check_in(app: Flask) -> None:
    event_id = make_event(app)
    make_party(app, event_id, "Ana", "+34612345678")
    first = admit(app, event_id, code=CODE, count=1, client_id="scan-1")
    again = admit(app, event_id, code=CODE, count=1, client_id="scan-1")
    assert (first.replayed, again.replayed) == (False, True)
    assert (again.admitted, again.party.checked_in) == (1, 1)
    everyone = admit(app, event_id, code=CODE, client_id="scan-2")
    # A repeat of a scan after the party completed is still its first result, not a refusal.
    repeat = admit(app, event_id, code=CODE, client_id="scan-2")
    assert (everyone.admitted, repeat.admitted, repeat.party.checked_in) == (2, 2, 3)
    assert scalar(app, "SELECT count(*) FROM checkins") == 2


def test_a_scan_id_of_another_event_is_refused(app: Flask) -> None:
    event_id, other = make_event(app), make_event(app, "Other")
    make_party(app, event_id, "Ana", "+34612345678")
    make_party(app, other, "Bo", "+34612345679", code=CODES[1])
    admit(app, event_id, code=CODE, client_id="scan-1")
    with pytest.raises(ScanReused):
        admit(app, other, code=CODES[1], client_id="scan-1")


@pytest.mark.parametrize(
    ("rsvp", "code", "waitlisted", "typed"),
    [
        (Rsvp.CONFIRMED, CODE, False, "M5PQ-6VYA"),  # no guest has it
        (Rsvp.CONFIRMED, CODE, False, "hello"),  # not a code at all
        (Rsvp.DECLINED, CODE, False, CODE),  # a decline: the pass is no good
        (None, CODE, False, CODE),  # never answered
        (Rsvp.CONFIRMED, CODE, True, CODE),  # waitlisted: no seat
    ],
)
def test_a_pass_that_lets_no_one_in_is_unknown(
    app: Flask, rsvp: Rsvp | None, code: str, waitlisted: bool, typed: str
) -> None:
    event_id = make_event(app)
    guest_id = make_party(app, event_id, "Ana", "+34612345678", code=code, rsvp=rsvp)
    if waitlisted:
        execute(app, "UPDATE guests SET waitlisted_at = now() WHERE id = :id", id=guest_id)
    with pytest.raises(UnknownPass):
        admit(app, event_id, code=typed)
    assert scalar(app, "SELECT count(*) FROM checkins") == 0


def test_a_replaced_pass_is_void_and_another_events_pass_unknown(app: Flask) -> None:
    event_id, other = make_event(app), make_event(app, "Other")
    guest_id = make_party(app, event_id, "Ana", "+34612345678")
    make_party(app, other, "Bo", "+34612345679", code=CODES[1])
    execute(app, "UPDATE guests SET pass_code = :c WHERE id = :id", c=CODES[2], id=guest_id)
    for code in (CODE, CODES[1]):
        with pytest.raises(UnknownPass, match="no guest of this event has this pass"):
            admit(app, event_id, code=code)
    assert admit(app, event_id, code=CODES[2]).admitted == 3


def test_a_guest_found_by_name_comes_in_by_id_without_a_pass(app: Flask) -> None:
    event_id = make_event(app)
    guest_id = make_party(app, event_id, "Ana", "+34612345678", party_size=None, code=None)
    declined = make_party(app, event_id, "Bo", "+34612345679", code=None, rsvp=Rsvp.DECLINED)
    with app.app_context():
        found = arrivals.search_parties(event_id, "an")
    assert [(p.guest_id, p.party, p.pass_code) for p in found] == [(guest_id, 1, None)]
    assert admit(app, event_id, guest_id=guest_id).admitted == 1  # party_size NULL: one
    with pytest.raises(UnknownPass):
        admit(app, event_id, guest_id=declined)
    assert scalar(app, "SELECT pass_code FROM checkins") is None


def race(app: Flask, event_id: int, scans: list[Scan]) -> list[object]:
    """Run the scans at once, each on its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(scans))
    outcomes: list[object] = [None] * len(scans)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcomes[index] = checkins.check_in(event_id, scans[index])
            except Exception as error:
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(scans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_devices_admitting_one_pass_at_once_never_exceed_the_party(app: Flask) -> None:
    event_id = make_event(app)
    make_party(app, event_id, "Ana", "+34612345678")
    for _ in range(3):
        execute(app, "DELETE FROM checkins")
        outcomes = race(app, event_id, [Scan(code=CODE, count=2) for _ in range(2)])
        admitted = [o for o in outcomes if isinstance(o, checkins.CheckInResult)]
        assert len(admitted) == 1
        assert [type(o) for o in outcomes if o not in admitted] == [TooMany]
        assert scalar(app, "SELECT sum(people) FROM checkins") == 2
    execute(app, "DELETE FROM checkins")
    outcomes = race(app, event_id, [Scan(code=CODE, count=1, device=f"d{n}") for n in range(8)])
    assert sum(isinstance(o, checkins.CheckInResult) for o in outcomes) == 3
    assert sum(isinstance(o, PartyComplete) for o in outcomes) == 5
    assert scalar(app, "SELECT sum(people) FROM checkins") == 3


def test_one_scan_sent_by_two_connections_at_once_is_one_check_in(app: Flask) -> None:
    event_id = make_event(app)
    make_party(app, event_id, "Ana", "+34612345678")
    outcomes = race(app, event_id, [Scan(code=CODE, count=1, client_id="same") for _ in range(4)])
    assert all(isinstance(o, checkins.CheckInResult) for o in outcomes), outcomes
    assert sorted(o.replayed for o in outcomes) == [False, True, True, True]  # type: ignore[attr-defined]
    assert scalar(app, "SELECT sum(people) FROM checkins") == 1


def test_arrivals_count_each_guest_and_the_event(app: Flask) -> None:
    event_id = make_event(app)
    ana = make_party(app, event_id, "Ana", "+34612345678")
    bo = make_party(app, event_id, "Bo", "+34612345679", party_size=2, code=CODES[1])
    admit(app, event_id, code=CODE, count=2, scanned_at=AT)
    with app.app_context():
        found = arrivals.arrivals_of([ana, bo])
        assert found[ana] == arrivals.Arrival(2, AT)
        assert found[bo] == arrivals.Arrival()
        assert arrivals.checked_in_counts([ana, bo]) == {ana: 2, bo: 0}
        assert arrivals.event_arrivals(event_id) == arrivals.EventArrivals(2, 5)


@pytest.mark.parametrize("count", [0, -1, 1.5, "x", True, 101, "2.5", [2]])
def test_a_count_is_a_whole_number_of_people(count: object) -> None:
    with pytest.raises(ValueError, match="whole number of people from 1 to 100"):
        check_count(count)


def test_a_scan_is_read_from_a_form_or_json() -> None:
    scan = scan_from(
        {"guest_id": "7", "count": "2", "client_id": "6f1c-9a", "scanned_at": "2026-12-06T20:04:05"}
    )
    assert (scan.guest_id, scan.count, scan.client_id, scan.scanned_at) == (7, 2, "6f1c-9a", AT)
    future = scan_from({"code": "K7QM-2XDP", "scanned_at": "2999-01-01T00:00:00Z"})
    assert future.scanned_at is not None and future.scanned_at.year < 2999  # a clock ahead
    for fields in ({"client_id": "x" * 65}, {"client_id": "a b"}, {"scanned_at": "yesterday"}):
        with pytest.raises(ValueError):
            scan_from(fields)
