"""Heads through the API: events' and guests' plus_ones, guests' party_size, the import
column, and the heads in an event's stats."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH
from tests.support.database import execute, query


def create(client: FlaskClient, **body: Any) -> Any:
    return client.post("/api/v1/events", json={"name": "Wedding", **body}, headers=API_AUTH)


def import_guests(client: FlaskClient, event_id: int, csv: str) -> Any:
    response = client.post(
        f"/api/v1/events/{event_id}/guests",
        data=csv.encode(),
        headers={**API_AUTH, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def guests(client: FlaskClient, event_id: int) -> list[Any]:
    return client.get(f"/api/v1/events/{event_id}/guests", headers=API_AUTH).get_json()["guests"]


def patch_guest(client: FlaskClient, guest_id: int, body: Any) -> Any:
    return client.patch(f"/api/v1/guests/{guest_id}", json=body, headers=API_AUTH)


def test_an_event_takes_a_default_allowance_and_changes_it(client: FlaskClient) -> None:
    assert create(client).get_json()["plus_ones"] == 0
    event = create(client, plus_ones=2).get_json()
    assert event["plus_ones"] == 2
    response = client.patch(
        f"/api/v1/events/{event['id']}", json={"plus_ones": 1}, headers=API_AUTH
    )
    assert response.status_code == 200 and response.get_json()["plus_ones"] == 1


@pytest.mark.parametrize("value", [-1, 100, 1.5, "2", True, None, [1]])
def test_a_bad_event_allowance_is_a_400_and_changes_nothing(
    app: Flask, client: FlaskClient, value: Any
) -> None:
    if value is not None:
        response = create(client, plus_ones=value)
        assert response.status_code == 400
        assert "plus_ones must be a whole number from 0 to 99" in response.get_json()["message"]
    event = create(client, plus_ones=3).get_json()
    response = client.patch(
        f"/api/v1/events/{event['id']}", json={"plus_ones": value}, headers=API_AUTH
    )
    assert response.status_code == 400
    assert "plus_ones" in response.get_json()["message"]
    assert [row.plus_ones for row in query(app, "SELECT plus_ones FROM events")] == [3]


def test_the_import_reads_a_plus_ones_column_in_any_language(client: FlaskClient) -> None:
    event_id = create(client, plus_ones=1).get_json()["id"]
    report = import_guests(
        client,
        event_id,
        "Nombre,Teléfono,Acompañantes\nAna,+34612345678,2\nLuis,+34612345679,\n"
        "Eva,+34612345670,muchos\n",
    )
    assert (report["imported"], report["error_count"]) == (2, 1)
    assert report["errors"][0]["line"] == 4
    assert "plus_ones must be a whole number from 0 to 99" in report["errors"][0]["reason"]
    listed = {guest["name"]: guest for guest in guests(client, event_id)}
    assert (listed["Ana"]["plus_ones"], listed["Luis"]["plus_ones"]) == (2, None)
    assert "Acompañantes" not in listed["Ana"]["variables"]
    for title in ("plus_ones", "plus ones", "acompanhantes", "المرافقين", "accompagnants"):
        other = create(client).get_json()["id"]
        import_guests(client, other, f"name,phone,{title}\nAna,+34612345678,3\n")
        assert guests(client, other)[0]["plus_ones"] == 3, title


def test_a_guest_gets_an_allowance_and_a_party_within_it(client: FlaskClient) -> None:
    event_id = create(client, plus_ones=1).get_json()["id"]
    import_guests(client, event_id, "name,phone\nAna,+34612345678\n")
    guest_id = guests(client, event_id)[0]["id"]
    assert patch_guest(client, guest_id, {"party_size": 2}).get_json()["party_size"] == 2
    response = patch_guest(client, guest_id, {"plus_ones": 4, "party_size": 5})
    assert (response.get_json()["plus_ones"], response.get_json()["party_size"]) == (4, 5)
    cleared = patch_guest(client, guest_id, {"plus_ones": None, "party_size": None}).get_json()
    assert (cleared["plus_ones"], cleared["party_size"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"party_size": 0},
            "party_size must be a whole number from 1 to 2 (the guest may bring 1)",
        ),
        ({"party_size": -2}, "from 1 to 2"),
        ({"party_size": 1.5}, "from 1 to 2"),
        ({"party_size": 300}, "from 1 to 2"),
        ({"party_size": 3}, "from 1 to 2"),
        ({"party_size": "2"}, "from 1 to 2"),
        ({"party_size": 2, "plus_ones": 0}, "may bring no one"),
        ({"plus_ones": 0}, "the guest's party is 2: with plus_ones 0"),
        ({"plus_ones": -1}, "plus_ones must be a whole number from 0 to 99"),
        ({"plus_ones": 100}, "plus_ones must be a whole number from 0 to 99"),
    ],
)
def test_a_bad_party_or_allowance_is_a_400_naming_the_allowance_and_changes_nothing(
    app: Flask, client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    event_id = create(client, plus_ones=1).get_json()["id"]
    import_guests(client, event_id, "name,phone\nAna,+34612345678\n")
    guest_id = guests(client, event_id)[0]["id"]
    patch_guest(client, guest_id, {"party_size": 2})
    response = patch_guest(client, guest_id, body)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    [row] = query(app, "SELECT plus_ones, party_size FROM guests")
    assert (row.plus_ones, row.party_size) == (None, 2)


def test_stats_count_heads_of_yes_and_maybe(app: Flask, client: FlaskClient) -> None:
    event_id = create(client, plus_ones=3).get_json()["id"]
    lines = "".join(f"G{n},+3461234560{n}\n" for n in range(6))
    import_guests(client, event_id, "name,phone\n" + lines)
    answers = [("confirmed", 3), ("confirmed", None), ("confirmed", 1), ("maybe", 2),
               ("declined", 4), (None, 2)]  # fmt: skip
    for guest, (rsvp, party) in zip(guests(client, event_id), answers, strict=True):
        execute(app, "UPDATE guests SET party_size = :p WHERE id = :id", p=party, id=guest["id"])
        execute(
            app,
            "INSERT INTO invitations (guest_id, event_id, send_state, rsvp, attempt_count)"
            " VALUES (:id, :event, 'accepted', :rsvp, 0)",
            id=guest["id"],
            event=event_id,
            rsvp=rsvp,
        )
    stats = client.get(f"/api/v1/events/{event_id}/stats", headers=API_AUTH).get_json()
    assert stats["rsvp"]["confirmed"] == 3
    assert stats["heads"] == {"confirmed": 5, "maybe": 2, "waitlisted": 0}
    event = client.get(f"/api/v1/events/{event_id}", headers=API_AUTH).get_json()
    assert event["stats"]["heads"]["confirmed"] == 5


def test_a_party_over_a_lowered_allowance_never_holds_up_a_name_change(client: FlaskClient) -> None:
    event_id = create(client, plus_ones=2).get_json()["id"]
    import_guests(client, event_id, "name,phone\nAna,+34612345678\n")
    guest_id = guests(client, event_id)[0]["id"]
    patch_guest(client, guest_id, {"party_size": 3})
    lowered = client.patch(f"/api/v1/events/{event_id}", json={"plus_ones": 0}, headers=API_AUTH)
    assert lowered.status_code == 200, lowered.get_json()

    renamed = patch_guest(client, guest_id, {"name": "Ana María"})

    assert renamed.status_code == 200, renamed.get_json()
    assert (renamed.get_json()["name"], renamed.get_json()["party_size"]) == ("Ana María", 3)
