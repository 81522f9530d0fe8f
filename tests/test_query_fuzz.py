"""Every query parameter of every route, fuzzed: bad input is a 4xx (or ignored), never a 500.

The routes come from the URL map, and the parameters from what each route reads: a first
request records every name looked up in `request.args`, so a parameter added later is
fuzzed without editing this test.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.models import InboundKind, SendState, UserRole
from app.services import team
from tests.support.constants import API_AUTH
from tests.support.dashboard import add_admin, sign_in_session
from tests.support.database import execute, scalar
from tests.support.factories import make_campaign, make_event, make_inbound

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class RecordingArgs(MultiDict[str, str]):
    """Query arguments that note every name a view looks up."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        g.args_read.add(key)
        return super().get(key, default, type)

    def getlist(self, key: str, type: Any = None) -> Any:
        g.args_read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key: str) -> Any:
        g.args_read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        g.args_read.add(key)
        return super().__contains__(key)


@pytest.fixture
def routes(app: Flask) -> Iterator[list[tuple[str, FlaskClient, set[str]]]]:
    """Every GET route with real ids, its client (signed in, with the token) and its params."""
    admin = add_admin(app)
    event = make_event(app)
    campaign = make_campaign(app, event, [{"send_state": SendState.ACCEPTED}] * 3)
    guest = scalar(app, "SELECT min(id) FROM guests WHERE event_id = :e", e=event)
    make_inbound(app, from_phone="whatsapp:+12025550100", body="yes", kind=InboundKind.RSVP)
    execute(app, "UPDATE guests SET pass_code = 'K7QM2XDP' WHERE id = :g", g=guest)
    token = scalar(app, "SELECT page_token FROM guests WHERE id = :g", g=guest)
    with app.app_context():
        invite_secret = team.invite("new@example.org", UserRole.VIEWER).secret
    execute(
        app,
        "INSERT INTO approvals (event_id, state, recipients, fingerprint)"
        " VALUES (:e, 'pending', 3, 'x')",
        e=event,
    )
    approval = scalar(app, "SELECT max(id) FROM approvals")
    execute(
        app,
        "INSERT INTO template_images (token, content_type, data, width, height)"
        " VALUES ('card-token', 'image/png', :png, 1, 1)",
        png=b"\x89PNG\r\n\x1a\n",
    )
    ids = {
        "approval_id": approval,
        "secret": invite_secret,
        "event_id": event,
        "campaign_id": campaign,
        "guest_id": guest,
        "token": token,
        "code": "K7QM2XDP",
        "image_token": "card-token",
        "kind": "invitation",
        "language": "es",
    }
    client = app.test_client()
    sign_in_session(client, admin)
    seen: dict[str, set[str]] = {}

    @app.before_request
    def record_args() -> None:
        g.args_read = seen.setdefault(request.path, set())
        request.args = RecordingArgs(request.args)  # type: ignore[misc]

    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint.endswith("static"):
            continue
        path = rule.build({name: ids[name] for name in rule.arguments})[1]
        response = client.get(path, headers=API_AUTH)
        # /ready is 503 here (no worker runs): that answer is about the service, not input.
        assert response.status_code < 400 or path == "/ready", (path, response.status_code)
        found.append((path, client, seen.get(path, set())))
    yield found


def offsets() -> st.SearchStrategy[str]:
    """UTC offsets, including ones Python accepts and PostgreSQL refuses."""
    minutes = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)
    return minutes.map(
        lambda m: f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
    ) | (st.sampled_from(["Z", "", "+00:00:01", "+23:59:59.999999", "-00:00"]))


timestamps = st.builds(
    lambda moment, offset: moment.isoformat() + offset,
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    offsets(),
)
numbers = st.integers().map(str) | st.sampled_from(
    ["²", "٣", "0", "-1", "1e3", "0x10", " 1", "1_000", "+1", str(2**31), "9" * 40, "१२"]
)
cursors = st.builds(
    lambda parts: base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("="),
    st.lists(st.integers() | st.text(max_size=10) | st.none(), max_size=3),
)
positions = st.builds(lambda stamp, number: f"{stamp}~{number}", timestamps, numbers)
values = (
    numbers
    | timestamps
    | cursors
    | positions
    | st.text(st.characters(codec="utf-8"), max_size=40)
    | st.sampled_from(["", "null", "%", "\x00", "a" * 5000, "inbound,outbound", "yes,maybe"])
)


def query(params: dict[str, str], raw: bool) -> str:
    """Encode the parameters, leaving `+` and `:` as typed (`+` reads as a space) when raw."""
    safe = "+:~" if raw else ""
    return "&".join(
        f"{quote(name, safe='')}={quote(value, safe=safe)}" for name, value in params.items()
    )


# Values that broke routes before: digits `int` refuses, offsets and years PostgreSQL refuses.
KNOWN_BAD = [
    "²",
    "٣",
    "-1",
    "0",
    str(2**31),
    "9" * 40,
    "%",
    "\x00",
    "a" * 3000,
    "2025-06-01T18:30:00+23:00",
    "2025-06-01T18:30:00+23:00~1",
    "2025-06-01T18:30:00+00:00~²",
    "0001-01-01T00:00:00+01:00~1",
    "9999-12-31T23:59:59-01:00",
    "WzIsMl0",
]


def assert_no_server_error(client: FlaskClient, path: str, query_string: str) -> None:
    """GET the route with the query string; anything but a 5xx is an answer to bad input."""
    response = client.get(f"{path}?{query_string}", headers=API_AUTH)
    status = response.status_code
    assert status < 500 or (path == "/ready" and status == 503), (
        path,
        query_string,
        response.get_data(as_text=True)[:300],
    )


def test_known_bad_values_in_every_parameter(
    routes: list[tuple[str, FlaskClient, set[str]]],
) -> None:
    for path, client, names in routes:
        for name in sorted(names):
            for value in KNOWN_BAD:
                for raw in (False, True):
                    assert_no_server_error(client, path, query({name: value}, raw))


def fuzz_route(client: FlaskClient, path: str, names: set[str]) -> None:
    """Run hypothesis on one route: its parameters, and a few it does not read."""
    keys = st.sampled_from(sorted(names)) if names else st.just("unknown")
    params = st.dictionaries(keys | st.sampled_from(["q", "page", "x"]), values, max_size=4)

    @FUZZ
    @given(params=params, raw=st.booleans())
    def fuzz(params: dict[str, str], raw: bool) -> None:
        assert_no_server_error(client, path, query(params, raw))

    fuzz()


def test_every_query_parameter_of_every_route_never_500s(
    routes: list[tuple[str, FlaskClient, set[str]]],
) -> None:
    assert len(routes) >= 15
    assert any(names for _, _, names in routes)  # the recording found parameters
    for path, client, names in routes:
        fuzz_route(client, path, names)


def test_the_routes_read_the_parameters_they_document(
    routes: list[tuple[str, FlaskClient, set[str]]],
) -> None:
    read = {path: names for path, _, names in routes}
    assert {"since", "limit", "cursor", "direction"} <= read["/api/v1/messages"]
    assert {"kind", "before"} <= read["/inbox"]
