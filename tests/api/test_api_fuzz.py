"""Random bodies to the guest import never make the API answer 500."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.constants import API_AUTH

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
phones = st.text(alphabet="+0123456789 ()-.", max_size=20) | st.integers() | st.text(max_size=20)
guest_rows = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=40) | json_values,
        "phone": phones | json_values,
        "table": json_values,
        "": st.text(max_size=5),
    },
)
import_bodies = (
    st.fixed_dictionaries({"guests": st.lists(guest_rows | json_values, max_size=6)})
    | st.dictionaries(st.text(max_size=8), json_values, max_size=3)
    | json_values
)


def cell() -> st.SearchStrategy[str]:
    return st.text(alphabet=st.characters(codec="utf-8"), max_size=15) | st.sampled_from(
        ["+14155550100", "4155550100", '"', '""', ";", ",", "\r\n", "\x00", "\ufeff", "name"]
    )


csv_texts = st.lists(st.lists(cell(), max_size=5), max_size=6).map(
    lambda rows: "\n".join(",".join(r) for r in [["name", "phone"], *rows])
)
csv_bodies = (
    csv_texts.map(lambda t: t.encode("utf-8"))
    | csv_texts.map(lambda t: t.replace(",", ";").encode("utf-8"))
    | st.binary(max_size=200)
    | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
)


def event(client: FlaskClient) -> int:
    response = client.post("/api/v1/events", json={"name": "Fuzz"}, headers=API_AUTH)
    event_id: int = response.get_json()["id"]
    return event_id


def check(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code == 200:
        body = response.get_json()
        assert set(body) == {
            "imported",
            "duplicates",
            "errors",
            "error_count",
            "repaired",
            "repaired_count",
            "warnings",
            "warning_count",
        }
        assert all(isinstance(e["line"], int) and e["reason"] for e in body["errors"])


@FUZZ
@given(body=import_bodies)
def test_random_json_never_500(app: Flask, client: FlaskClient, body: Any) -> None:
    event_id = event(client)
    data = json.dumps(body, allow_nan=True)
    response = client.post(
        f"/api/v1/events/{event_id}/guests",
        data=data,
        headers={**API_AUTH, "Content-Type": "application/json"},
    )
    check(response)


@FUZZ
@given(data=csv_bodies)
def test_random_csv_never_500(app: Flask, client: FlaskClient, data: bytes) -> None:
    event_id = event(client)
    response = client.post(
        f"/api/v1/events/{event_id}/guests",
        data=data,
        headers={**API_AUTH, "Content-Type": "text/csv"},
    )
    check(response)


@FUZZ
@given(
    path=st.sampled_from(["/api/v1/events", "/api/v1/events/1/guests", "/api/v1/messages"]),
    query=st.dictionaries(
        st.sampled_from(["limit", "cursor", "since", "rsvp", "delivery_status", "direction"]),
        st.text(max_size=30),
    ),
)
def test_random_query_strings_never_500(
    app: Flask, client: FlaskClient, path: str, query: dict[str, str]
) -> None:
    event(client)
    response = client.get(path, query_string=query, headers=API_AUTH)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json


@FUZZ
@given(
    body=json_values | st.dictionaries(st.sampled_from(["name", "starts_at", "venue"]), json_values)
)
def test_random_event_bodies_never_500(app: Flask, client: FlaskClient, body: Any) -> None:
    response = client.post(
        "/api/v1/events",
        data=json.dumps(body),
        headers={**API_AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
