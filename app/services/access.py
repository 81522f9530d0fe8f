"""Who may open what: every route's access level, in one table, and the one check.

`ROUTES` names each endpoint of the app (`tests/test_access.py` walks the URL map and fails
on one missing here), with the level that opens it, a stricter one for writes where a page
also takes a form, and the action the audit trail records when the request succeeds
(`app.services.audit`). The dashboard's and the API's `before_request` hooks ask `allows`;
an endpoint missing here is refused (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import UserRole

OWNER, ORGANISER, VIEWER, DOOR_ROLE = (
    UserRole.OWNER,
    UserRole.ORGANISER,
    UserRole.VIEWER,
    UserRole.DOOR,
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Level:
    """A set of roles that may use a route; `public` routes need no user at all."""

    name: str
    roles: frozenset[UserRole]
    public: bool = False


PUBLIC = Level("public", frozenset(), public=True)
ANYONE = Level("anyone signed in", frozenset(UserRole))
READ = Level("read", frozenset({OWNER, ORGANISER, VIEWER}))
WRITE = Level("write", frozenset({OWNER, ORGANISER}))
DOOR = Level("door", frozenset({OWNER, ORGANISER, DOOR_ROLE}))
OWNERS = Level("owner", frozenset({OWNER}))


@dataclass(frozen=True)
class Rule:
    """A route's access: its level, the level its writes need (a page with a form), and
    the audit action a successful request records (`{action}` reads a path argument)."""

    level: Level
    writes: Level | None = None
    audit: str | None = None
    # Request fields (form or JSON) the audit entry keeps: ids and choices, never personal data.
    fields: tuple[str, ...] = ()
    # Reads are audited too (exports: they hold the guests' personal data); else writes only.
    audit_reads: bool = False

    def audited(self, method: str) -> str | None:
        """The audit action of a request with this method, if it has one."""
        if method in SAFE_METHODS and not self.audit_reads:
            return None
        return self.audit

    def level_for(self, method: str) -> Level:
        """The level a request with this method needs."""
        if self.writes is not None and method not in SAFE_METHODS:
            return self.writes
        return self.level


def allows(rule: Rule | None, method: str, role: UserRole | None, read_only: bool = False) -> bool:
    """Whether a user of `role` (None: nobody signed in) may make this request.

    A read-only token reads what a viewer may read, and no more than its user may.
    """
    if rule is None:
        return False
    level = rule.level_for(method)
    if level.public:
        return True
    if role is None or role not in level.roles:
        return False
    return not read_only or (method in SAFE_METHODS and VIEWER in level.roles)


def rule_for(endpoint: str | None) -> Rule | None:
    """The rule of an endpoint, or None for one the table doesn't name."""
    return ROUTES.get(endpoint or "")


def can_open(endpoint: str, role: UserRole | None, method: str = "GET") -> bool:
    """Whether a user of `role` may open the endpoint (for links and buttons)."""
    return allows(rule_for(endpoint), method, role)


def table_text() -> dict[str, str]:
    """Endpoint → level name(s), for the README and the tests' messages."""
    return {
        endpoint: rule.level.name + (f" / writes: {rule.writes.name}" if rule.writes else "")
        for endpoint, rule in ROUTES.items()
    }


_PUBLIC = Rule(PUBLIC)
_READ = Rule(READ)

ROUTES: dict[str, Rule] = {
    # Outside the dashboard and the API: their own checks (signatures, guests' tokens).
    "static": _PUBLIC,
    "health.health": _PUBLIC,
    "health.ready": _PUBLIC,
    "health.metrics": _PUBLIC,  # METRICS_TOKEN, when set
    "webhooks.inbound": _PUBLIC,  # Twilio's signature
    "webhooks.status": _PUBLIC,  # Twilio's signature
    "guest_pages.page": _PUBLIC,  # the guest's own token
    "guest_pages.pass_image": _PUBLIC,
    "guest_pages.calendar": _PUBLIC,
    "media.image": _PUBLIC,  # a header image's random token: WhatsApp fetches it
    # The dashboard: signing in and out, joining the team.
    "dashboard.static": _PUBLIC,
    "dashboard.login": _PUBLIC,
    "dashboard.accept_invite": _PUBLIC,  # the invite link's own secret
    "dashboard.logout": Rule(ANYONE),
    "dashboard.logout_everywhere": Rule(ANYONE),
    "dashboard.choose_language": _PUBLIC,  # the sign-in page's choice too
    # The dashboard: events, guests, campaigns, messages.
    "dashboard.events_page": _READ,
    "dashboard.event_page": _READ,
    "dashboard.create_event": Rule(WRITE, audit="event.create"),
    "dashboard.edit_event": Rule(WRITE, audit="event.edit"),
    "dashboard.confirm_event_deletion": Rule(WRITE),
    "dashboard.delete_event": Rule(WRITE, audit="event.delete"),
    "dashboard.confirm_event_cancellation": Rule(WRITE),
    "dashboard.cancel_event": Rule(WRITE, audit="event.cancel", fields=("notify",)),
    "dashboard.notify_page": Rule(WRITE),
    "dashboard.notify_guests": Rule(WRITE, audit="campaign.create", fields=("maybe", "unanswered")),
    "dashboard.edit_guest": Rule(WRITE, audit="guest.edit"),
    "dashboard.confirm_guest_deletion": Rule(WRITE),
    "dashboard.delete_guest": Rule(WRITE, audit="guest.delete"),
    "dashboard.set_guest_language": Rule(WRITE, audit="guest.edit", fields=("language",)),
    "dashboard.preview_import": Rule(WRITE),
    "dashboard.import_guests": Rule(WRITE, audit="guests.import"),
    "dashboard.export_guests": Rule(READ, audit="guests.export", audit_reads=True),
    "dashboard.export_guests_xlsx": Rule(READ, audit="guests.export", audit_reads=True),
    "dashboard.questions_page": Rule(READ, writes=WRITE, audit="question.add"),
    "dashboard.remove_question": Rule(WRITE, audit="question.remove"),
    "dashboard.new_campaign": Rule(WRITE),
    "dashboard.create_campaign": Rule(WRITE, audit="campaign.create", fields=("send_at",)),
    "dashboard.create_reminder": Rule(WRITE, audit="campaign.create", fields=("hours_before",)),
    "dashboard.create_followup": Rule(WRITE, audit="campaign.create", fields=("after_days",)),
    "dashboard.send_thanks": Rule(WRITE, audit="campaign.create"),
    "dashboard.send_missed": Rule(WRITE, audit="campaign.create"),
    "dashboard.reschedule_campaign": Rule(WRITE, audit="campaign.reschedule"),
    "dashboard.control_campaign": Rule(WRITE, audit="campaign.{action}"),
    "dashboard.campaign_page": _READ,
    "dashboard.campaign_progress": _READ,
    "dashboard.invite_guest": Rule(WRITE, audit="invitation.send"),
    "dashboard.inbox": _READ,
    "dashboard.answer_from_inbox": Rule(WRITE, audit="rsvp.set_by_hand", fields=("rsvp",)),
    "dashboard.dismiss_message": Rule(WRITE, audit="message.dismiss"),
    "dashboard.conversation": _READ,
    "dashboard.reply": Rule(WRITE, audit="reply.send"),
    "dashboard.system": _READ,
    "dashboard.messages_page": _READ,
    "dashboard.message_edit": Rule(READ, writes=WRITE, audit="template.submit"),
    # The door.
    "dashboard.door_events": Rule(DOOR),
    "dashboard.door_page": Rule(DOOR),
    "dashboard.door_check_in": Rule(DOOR),
    "dashboard.event_arrivals": _READ,
    # The team (their own changes are audited by `app.services.team` and `.tokens`).
    "dashboard.team_page": Rule(OWNERS),
    "dashboard.invite_user": Rule(OWNERS),
    "dashboard.revoke_invite": Rule(OWNERS),
    "dashboard.set_user_role": Rule(OWNERS),
    "dashboard.remove_user": Rule(OWNERS),
    "dashboard.tokens_page": Rule(ANYONE),
    "dashboard.create_token": Rule(ANYONE),
    "dashboard.revoke_token": Rule(ANYONE),
    "dashboard.two_factor_page": Rule(ANYONE),
    "dashboard.enable_two_factor": Rule(ANYONE),
    "dashboard.disable_two_factor": Rule(ANYONE),
    "dashboard.audit_page": Rule(OWNERS),
    "dashboard.approvals_page": _READ,
    "dashboard.approval_page": _READ,
    "dashboard.approve": Rule(OWNERS),  # audited by `app.services.approvals`
    "dashboard.reject": Rule(OWNERS),
    # The API.
    "api.list_events": _READ,
    "api.get_event": _READ,
    "api.event_stats": _READ,
    "api.list_guests": _READ,
    "api.create_event": Rule(WRITE, audit="event.create"),
    "api.update_event": Rule(WRITE, audit="event.edit"),
    "api.delete_event": Rule(WRITE, audit="event.delete"),
    "api.cancel_event": Rule(WRITE, audit="event.cancel", fields=("notify",)),
    "api.preflight_update": _READ,
    "api.create_update": Rule(
        WRITE, audit="campaign.create", fields=("include_maybe", "include_unanswered")
    ),
    "api.import_guests": Rule(WRITE, audit="guests.import"),
    "api.update_guest": Rule(
        WRITE, audit="guest.edit", fields=("language", "plus_ones", "party_size")
    ),
    "api.delete_guest": Rule(WRITE, audit="guest.delete"),
    "api.list_questions": _READ,
    "api.add_question": Rule(WRITE, audit="question.add"),
    "api.remove_question": Rule(WRITE, audit="question.remove"),
    "api.preflight_campaign": _READ,
    "api.list_campaigns": _READ,
    "api.get_campaign": _READ,
    "api.create_campaign": Rule(WRITE, audit="campaign.create", fields=("send_at",)),
    "api.create_reminder": Rule(WRITE, audit="campaign.create", fields=("hours_before",)),
    "api.create_followup": Rule(WRITE, audit="campaign.create", fields=("after_days",)),
    "api.create_thanks": Rule(WRITE, audit="campaign.create", fields=("send_at",)),
    "api.create_missed": Rule(WRITE, audit="campaign.create", fields=("send_at",)),
    "api.reschedule_campaign": Rule(WRITE, audit="campaign.reschedule", fields=("send_at",)),
    "api.pause_campaign": Rule(WRITE, audit="campaign.pause"),
    "api.resume_campaign": Rule(WRITE, audit="campaign.resume"),
    "api.cancel_campaign": Rule(WRITE, audit="campaign.cancel"),
    "api.retry_failed": Rule(WRITE, audit="campaign.retry-failed"),
    "api.send_invitation": Rule(WRITE, audit="invitation.send"),
    "api.list_messages": _READ,
    "api.guest_messages": _READ,
    "api.reply_to_guest": Rule(WRITE, audit="reply.send"),
    "api.dismiss_message": Rule(WRITE, audit="message.dismiss"),
    "api.check_in": Rule(DOOR),
    "api.list_approvals": _READ,
    "api.get_approval": _READ,
    "api.approve": Rule(OWNERS),  # audited by `app.services.approvals`
    "api.reject": Rule(OWNERS),
    "api.audit_log": Rule(OWNERS),
}
