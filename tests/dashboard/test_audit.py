"""The audit trail: who did what and when, append-only in PostgreSQL, readable by owners in
the dashboard and `GET /api/v1/audit`, pruned after AUDIT_RETENTION_DAYS."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import User, UserRole
from app.services import audit, tokens
from app.tasks.sending import run_sweep
from tests.support.access import add_member
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD, API_AUTH
from tests.support.dashboard import sign_in_session
from tests.support.database import execute, query, scalar


def trail(app: Flask) -> list[tuple[str, str, int | None, str | None]]:
    """(actor, action, event id, target) of every entry, oldest first."""
    rows = query(app, "SELECT actor, action, event_id, target FROM audit_log ORDER BY id")
    return [tuple(row) for row in rows]


def organiser_token(app: Flask) -> dict[str, str]:
    """The header of an organiser's token."""
    user_id = add_member(app, "ana@example.org", UserRole.ORGANISER)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Bearer {tokens.create(user, 'ci', False).secret}"}


def test_api_changes_are_recorded_with_who_and_which_event(app: Flask, client: FlaskClient) -> None:
    auth = organiser_token(app)
    event_id = client.post("/api/v1/events", json={"name": "Gala"}, headers=auth).get_json()["id"]
    guests = [{"name": "Ada", "phone": "+14155550101"}]
    client.post(f"/api/v1/events/{event_id}/guests", json={"guests": guests}, headers=auth)
    campaign = client.post(f"/api/v1/events/{event_id}/campaigns", headers=auth)
    assert campaign.status_code == 201, campaign.get_json()
    campaign_id = campaign.get_json()["id"]
    client.post(f"/api/v1/campaigns/{campaign_id}/pause", headers=auth)
    client.post(f"/api/v1/campaigns/{campaign_id}/cancel", headers=API_AUTH)
    client.post("/api/v1/campaigns/999/pause", headers=auth)  # refused: not recorded
    client.get(f"/api/v1/events/{event_id}/guests", headers=auth)  # a read: not recorded
    assert trail(app) == [
        ("cli", "token.create", None, "ana@example.org"),
        ("ana@example.org", "event.create", None, None),
        ("ana@example.org", "guests.import", event_id, f"event {event_id}"),
        ("ana@example.org", "campaign.create", event_id, f"event {event_id}"),
        ("ana@example.org", "campaign.pause", event_id, f"campaign {campaign_id}"),
        ("API_TOKEN", "campaign.cancel", event_id, f"campaign {campaign_id}"),
    ]
    detail = scalar(app, "SELECT detail FROM audit_log WHERE action = 'event.create'")
    assert detail == {"status": 201, "id": event_id, "token": "ci"}


def test_dashboard_sign_ins_exports_and_refusals(app: Flask, admin_id: int) -> None:
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    event_id = client.post("/api/v1/events", json={"name": "X"}, headers=API_AUTH).get_json()["id"]
    assert client.get(f"/events/{event_id}/guests.csv").status_code == 200
    client.post("/inbox/999/rsvp", data={"rsvp": "confirmed"})  # 404: not recorded
    actions = [action for _, action, _, _ in trail(app)]
    assert actions == ["sign_in", "event.create", "guests.export"]
    sign_in = query(app, "SELECT actor_id, via, address FROM audit_log WHERE action = 'sign_in'")
    assert tuple(sign_in[0]) == (admin_id, "dashboard", "127.0.0.1")


def test_the_team_changes_are_recorded(app: Flask, user: FlaskClient) -> None:
    member = add_member(app, "v@example.org", UserRole.VIEWER)
    user.post(f"/team/users/{member}/role", data={"role": "organiser"})
    user.post(f"/team/users/{member}/remove")
    user.post("/team/invites", data={"email": "new@example.org", "role": "door"})
    entries = query(app, "SELECT action, target, detail FROM audit_log ORDER BY id")
    assert [(a, t) for a, t, _ in entries] == [
        ("user.role", "v@example.org"),
        ("user.remove", "v@example.org"),
        ("user.invite", "new@example.org"),
    ]
    assert entries[0][2] == {"from": "viewer", "to": "organiser"}


def test_the_trail_is_append_only(app: Flask) -> None:
    with app.app_context():
        audit.record("sign_in", actor=audit.CLI)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            execute(app, statement)
    assert scalar(app, "SELECT actor FROM audit_log") == "cli"


def test_entries_past_the_retention_are_pruned(app: Flask) -> None:
    execute(
        app,
        "INSERT INTO audit_log (actor, via, action, at) VALUES"
        " ('cli', 'cli', 'old', now() - interval '31 days'),"
        " ('cli', 'cli', 'recent', now() - interval '29 days')",
    )
    with app.app_context():
        assert audit.prune(30) == 1
    assert scalar(app, "SELECT string_agg(action, ',') FROM audit_log") == "recent"


def test_the_sweep_prunes_the_trail(app: Flask) -> None:
    execute(
        app,
        "INSERT INTO audit_log (actor, via, action, at)"
        " VALUES ('cli', 'cli', 'ancient', now() - interval '400 days')",
    )
    with app.app_context():
        assert run_sweep(app).audit_pruned == 1


def test_the_api_reads_the_trail_with_filters_and_pages(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        for number in range(5):
            audit.record("campaign.pause", actor=audit.CLI, event_id=number % 2 + 1)
        audit.record("sign_in", actor=audit.Actor("ana@example.org", "dashboard", 7))
    page = client.get("/api/v1/audit?limit=2", headers=API_AUTH).get_json()
    assert [entry["action"] for entry in page["entries"]] == ["sign_in", "campaign.pause"]
    rest = client.get(f"/api/v1/audit?cursor={page['next_cursor']}", headers=API_AUTH).get_json()
    assert len(rest["entries"]) == 4 and rest["next_cursor"] is None
    by_event = client.get("/api/v1/audit?event_id=2&action=campaign.", headers=API_AUTH)
    assert len(by_event.get_json()["entries"]) == 2
    by_actor = client.get("/api/v1/audit?actor=ANA", headers=API_AUTH).get_json()["entries"]
    assert [(e["actor"], e["actor_id"], e["via"]) for e in by_actor] == [
        ("ana@example.org", 7, "dashboard")
    ]
    future = client.get("/api/v1/audit?since=2999-01-01T00:00:00Z", headers=API_AUTH)
    assert future.get_json()["entries"] == []
    assert client.get("/api/v1/audit?cursor=nonsense", headers=API_AUTH).status_code == 400


def test_the_dashboard_page_filters_for_owners_only(app: Flask, user: FlaskClient) -> None:
    with app.app_context():
        audit.record("campaign.cancel", actor=audit.CLI, event_id=3, target="campaign 9")
        audit.record("guests.export", actor=audit.CLI, event_id=4)
    cell = '<td data-label="Action" class="mono">{}</td>'
    page = user.get("/audit?action=campaign.").get_data(as_text=True)
    assert "campaign 9" in page and cell.format("guests.export") not in page
    by_event = user.get("/audit?event=4").get_data(as_text=True)
    assert cell.format("guests.export") in by_event
    assert cell.format("campaign.cancel") not in by_event
    viewer = app.test_client()
    sign_in_session(viewer, add_member(app, "v@example.org", UserRole.VIEWER))
    assert viewer.get("/audit").status_code == 403
