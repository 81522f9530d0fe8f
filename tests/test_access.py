"""Every route states who may use it (`app.services.access`), and each role gets exactly that:
the dashboard answers a refusal with a 403 page, the API with a 403 JSON `forbidden`."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import UserRole
from app.services import access, tokens
from app.services.access import PUBLIC
from tests.support.access import add_member, requests_of, rules_of
from tests.support.dashboard import sign_in_session

OWNER, ORGANISER, VIEWER, DOOR = UserRole

# What each role is known to get, written out by hand: the table must say the same.
EXPECTED: dict[UserRole, dict[str, set[str]]] = {
    OWNER: {
        "allowed": {"dashboard.team_page", "dashboard.audit_page", "api.audit_log",
                    "dashboard.create_campaign", "dashboard.door_page", "api.check_in"},
        "refused": set(),
    },
    ORGANISER: {
        "allowed": {"dashboard.create_event", "dashboard.control_campaign", "dashboard.reply",
                    "dashboard.door_check_in", "api.create_campaign", "api.pause_campaign",
                    "api.import_guests", "dashboard.tokens_page"},
        "refused": {"dashboard.team_page", "dashboard.invite_user", "dashboard.set_user_role",
                    "dashboard.remove_user", "dashboard.audit_page", "api.audit_log"},
    },
    VIEWER: {
        "allowed": {"dashboard.events_page", "dashboard.event_page", "dashboard.inbox",
                    "dashboard.export_guests", "dashboard.campaign_page", "api.list_guests",
                    "api.get_campaign", "api.list_messages"},
        "refused": {"dashboard.create_event", "dashboard.create_campaign",
                    "dashboard.control_campaign", "dashboard.answer_from_inbox",
                    "dashboard.reply", "dashboard.door_check_in", "dashboard.team_page",
                    "api.create_event", "api.import_guests", "api.pause_campaign",
                    "api.check_in", "api.audit_log"},
    },
    DOOR: {
        "allowed": {"dashboard.door_events", "dashboard.door_page", "dashboard.door_check_in",
                    "api.check_in", "dashboard.tokens_page"},
        "refused": {"dashboard.events_page", "dashboard.event_page", "dashboard.inbox",
                    "dashboard.export_guests", "dashboard.conversation", "dashboard.system",
                    "api.list_events", "api.list_guests", "api.list_messages",
                    "api.create_campaign", "dashboard.team_page", "api.audit_log"},
    },
}  # fmt: skip


def test_every_route_states_its_access(app: Flask) -> None:
    """A route missing from the table fails here (and is refused at run time)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - access.ROUTES.keys())
    assert not missing, f"add these endpoints to app/services/access.py ROUTES: {missing}"
    stale = sorted(access.ROUTES.keys() - endpoints)
    assert not stale, f"no such routes any more, remove them from ROUTES: {stale}"


def test_only_the_outside_and_the_sign_in_are_public() -> None:
    public = {name for name, rule in access.ROUTES.items() if rule.level is PUBLIC}
    assert {name for name in public if name.startswith("api.")} == set()
    assert {name for name in public if name.startswith("dashboard.")} == {
        "dashboard.static",
        "dashboard.login",
        "dashboard.accept_invite",
        "dashboard.choose_language",  # the sign-in page's language menu
    }


@pytest.mark.parametrize("role", list(UserRole))
def test_the_table_gives_each_role_what_it_should(role: UserRole) -> None:
    for endpoint in EXPECTED[role]["allowed"]:
        method = "POST" if endpoint in WRITES else "GET"
        assert access.allows(access.rule_for(endpoint), method, role), endpoint
    for endpoint in EXPECTED[role]["refused"]:
        method = "POST" if endpoint in WRITES else "GET"
        assert not access.allows(access.rule_for(endpoint), method, role), endpoint


WRITES = {
    name
    for name in access.ROUTES
    if any(verb in name for verb in ("create", "control", "reply", "check_in", "invite_user",
                                     "set_user_role", "remove_user", "import", "pause",
                                     "answer_from"))
}  # fmt: skip


def signed_in(app: Flask, user_id: int) -> FlaskClient:
    """A client with a fresh session of the user."""
    client = app.test_client()
    sign_in_session(client, user_id)
    return client


@pytest.mark.parametrize("role", list(UserRole))
def test_the_dashboard_walks_every_route_for_each_role(app: Flask, role: UserRole) -> None:
    """Each route and method, as this role: refused ones are a 403 page (JSON for `.json`)."""
    user_id = add_member(app, f"{role.value}@example.org", role)
    add_member(app, "another-owner@example.org", OWNER)  # the last owner stays one
    for rule in rules_of(app, "dashboard"):
        for method, url in requests_of(rule):
            client = signed_in(app, user_id)  # anew: some routes sign out
            response = client.open(url, method=method)
            allowed = access.allows(access.ROUTES[rule.endpoint], method, role)
            where = f"{role} {method} {url}"
            assert response.status_code < 500, where
            if allowed:
                assert response.status_code != 403, where
            elif role is DOOR and rule.endpoint == "dashboard.events_page":
                assert response.headers["Location"] == "/door", where
            elif url.endswith(".json"):
                assert response.status_code == 403, where
                assert response.get_json()["error"] == "forbidden", where
            else:
                assert response.status_code == 403, where
                assert "Not for your role" in response.get_data(as_text=True), where


@pytest.mark.parametrize(("role", "read_only"), [*((r, False) for r in UserRole), (OWNER, True)])
def test_the_api_walks_every_route_for_each_role(
    app: Flask, role: UserRole, read_only: bool
) -> None:
    """Each endpoint and method with a token of this role: refused ones are a 403 `forbidden`."""
    user_id = add_member(app, f"{role.value}@example.org", role)
    with app.app_context():
        from app.extensions import db
        from app.models import User

        user = db.session.get(User, user_id)
        assert user is not None
        secret = tokens.create(user, "walk", read_only).secret
    auth = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    for rule in rules_of(app, "api"):
        for method, url in requests_of(rule):
            response = client.open(url, method=method, headers=auth)
            allowed = access.allows(access.ROUTES[rule.endpoint], method, role, read_only)
            where = f"{role} read_only={read_only} {method} {url}"
            assert response.status_code not in (401, 500), where
            if allowed:
                assert response.status_code != 403, where
            else:
                assert response.status_code == 403, where
                assert response.get_json()["error"] == "forbidden", where


def test_an_endpoint_missing_from_the_table_is_refused() -> None:
    assert access.allows(None, "GET", OWNER) is False
