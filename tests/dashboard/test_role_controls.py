"""Each role sees only the links, buttons and forms it may use, decided by the access table.

For every role, every dashboard page the role may open is fetched with sample data (an
event with guests, a campaign, messages, a question, an approval, a template, the team), and
every `<a href>`, `<form action>` and `formaction` on it must target a route that the table
(`app.services.access`) lets this role use: GET for links and GET forms, POST for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.models import CampaignState, InboundKind, SendState, UserRole
from app.services import access, team
from tests.support.access import add_member
from tests.support.dashboard import sign_in_session, text_of
from tests.support.database import execute, scalar
from tests.support.factories import (
    add_question,
    ago,
    make_campaign,
    make_event,
    make_inbound,
)

OWNER, ORGANISER, VIEWER, DOOR = UserRole


@dataclass
class Target:
    """Where a control on a page leads: the method it uses and its URL, and what it is."""

    method: str
    url: str
    what: str


@dataclass
class Controls(HTMLParser):
    """The links, forms and form buttons of a page, with where they lead."""

    page: str
    targets: list[Target] = field(default_factory=list)
    _forms: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the target of a link, a form or a button that overrides its form's."""
        found = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in found:
            self.targets.append(Target("GET", found["href"], f"link {found['href']}"))
        elif tag == "form":
            method = found.get("method", "GET").upper()
            action = found.get("action") or self.page
            self._forms.append((method, action))
            self.targets.append(Target(method, action, f"form {method} {action}"))
        elif tag in ("button", "input") and "formaction" in found:
            form_method = self._forms[-1][0] if self._forms else "GET"
            method = found.get("formmethod", form_method).upper()
            action = found["formaction"]
            self.targets.append(Target(method, action, f"button {method} {action}"))


def endpoint_of(app: Flask, url: str, method: str) -> str | None:
    """The endpoint a same-site URL reaches with this method, or None for another site,
    an anchor or a file of its own."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    if not parts.path or url.startswith("#"):
        return None
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(parts.path, method=method)
    except MethodNotAllowed:
        return f"<{method} not answered at {parts.path}>"
    except NotFound:
        return f"<no route at {parts.path}>"
    return str(endpoint)


@pytest.fixture
def sample_ids(app: Flask) -> dict[str, object]:
    """An event with guests, a campaign, a message, a question, an approval and an invite."""
    event = make_event(app, starts_at=ago(hours=3))
    campaign = make_campaign(app, event, [{"send_state": SendState.ACCEPTED}] * 3)
    make_campaign(app, event, [], state=CampaignState.SCHEDULED, send_at=ago(hours=-5))
    guest = scalar(app, "SELECT min(id) FROM guests WHERE event_id = :e", e=event)
    phone = scalar(app, "SELECT phone FROM guests WHERE id = :g", g=guest)
    message = make_inbound(
        app,
        from_phone=f"whatsapp:{phone}",
        body="Is there parking?",
        guest_id=guest,
        event_id=event,
    )
    make_inbound(app, from_phone=f"whatsapp:{phone}", body="yes", kind=InboundKind.RSVP)
    execute(app, "UPDATE guests SET pass_code = 'K7QM2XDP' WHERE id = :g", g=guest)
    question = add_question(app, event, "Any allergies?")
    execute(
        app,
        "INSERT INTO approvals (event_id, state, recipients, fingerprint)"
        " VALUES (:e, 'pending', 3, 'x')",
        e=event,
    )
    with app.app_context():
        team.invite("new@example.org", UserRole.VIEWER)
    return {
        "event_id": event,
        "campaign_id": campaign,
        "guest_id": guest,
        "message_id": message,
        "question_id": question,
        "approval_id": scalar(app, "SELECT max(id) FROM approvals"),
        "kind": "invitation",
        "language": "es",
        "code": "K7QM2XDP",
    }


def pages_for(app: Flask, role: UserRole, ids: dict[str, object]) -> list[str]:
    """Every dashboard page (GET, HTML) the role may open, with the sample ids."""
    pages = []
    for rule in app.url_map.iter_rules():
        rule_of = access.ROUTES[rule.endpoint]
        if (
            not rule.endpoint.startswith("dashboard.")
            or "GET" not in (rule.methods or ())
            or rule_of.level_for("GET").public
            or rule.rule.endswith((".json", ".csv", ".xlsx", "/export"))
            or rule.endpoint in ("dashboard.logout", "dashboard.export_guests_xlsx")
            or not access.allows(rule_of, "GET", role)
            or not set(rule.arguments) <= ids.keys()
        ):
            continue
        pages.append(rule.build({name: ids[name] for name in rule.arguments})[1])
    return sorted(pages)


@pytest.mark.parametrize("role", list(UserRole))
def test_each_role_sees_only_the_controls_it_may_use(
    app: Flask, sample_ids: dict[str, object], role: UserRole
) -> None:
    user_id = add_member(app, f"{role.value}@example.org", role)
    client = app.test_client()
    sign_in_session(client, user_id)
    pages = pages_for(app, role, sample_ids)
    assert len(pages) >= (3 if role is DOOR else 12), pages
    wrong, seen = [], set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (role, page, response.status_code)
        if not response.content_type.startswith("text/html"):
            continue
        controls = Controls(page)
        controls.feed(response.get_data(as_text=True))
        for target in controls.targets:
            url = urljoin(f"http://localhost{page}", target.url)
            endpoint = endpoint_of(app, url, target.method)
            if endpoint is None:
                continue
            seen.add(endpoint)
            if not access.allows(access.rule_for(endpoint), target.method, role):
                wrong.append(f"{page}: {target.what} ({endpoint})")
    assert not wrong, f"{role.value} is shown controls it may not use:\n" + "\n".join(wrong)
    if role in (OWNER, ORGANISER):  # the sample data shows every kind of control to writers
        assert WRITERS_SEE - seen == set()


WRITERS_SEE = {
    f"dashboard.{name}"
    for name in (
        "create_event", "edit_event", "new_campaign", "control_campaign", "reschedule_campaign",
        "create_reminder", "create_followup", "send_thanks", "send_missed", "set_guest_language",
        "edit_guest", "answer_from_inbox", "dismiss_message", "reply", "remove_question",
        "questions_page", "message_edit", "preview_import", "import_guests", "door_page",
    )
}  # fmt: skip


def test_a_viewer_is_told_why_a_page_has_no_buttons(
    app: Flask, sample_ids: dict[str, object]
) -> None:
    client = app.test_client()
    sign_in_session(client, add_member(app, "viewer@example.org", VIEWER))
    html = client.get(f"/events/{sample_ids['event_id']}").get_data(as_text=True)
    assert "You can view this event; ask an owner for editing rights" in text_of(html)
    assert 'class="row-actions"' not in html  # no empty column of buttons
    organiser = app.test_client()
    sign_in_session(organiser, add_member(app, "organiser@example.org", ORGANISER))
    html = organiser.get(f"/events/{sample_ids['event_id']}").get_data(as_text=True)
    assert "ask an owner for editing rights" not in text_of(html)
    assert 'class="row-actions"' in html
