"""Content templates made through the Content API, their WhatsApp approval, and rendering."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.emulator.config import EmulatorConfig
from app.emulator.store import new_sid, utc_now

CONTENT_VERSION = "v1"
# The types whose `body` a message shows, in the order Twilio picks one for WhatsApp.
BODY_TYPES = (
    "whatsapp/card",
    "twilio/card",
    "twilio/quick-reply",
    "twilio/call-to-action",
    "twilio/list-picker",
    "twilio/media",
    "twilio/text",
)
# How the service names the contents of notices it creates (kind, language, id).
NOTICE_NAMES = ("update_", "cancellation_", "thanks_", "missed_", "pass_")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def iso8601(moment: datetime) -> str:
    """Format a datetime as the Content API does, e.g. `2026-12-07T03:44:33Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(text: str, variables: Mapping[str, Any]) -> str:
    """Return `text` with each `{{n}}` replaced by its variable (empty when missing)."""
    return PLACEHOLDER.sub(lambda match: str(variables.get(match.group(1), "")), text)


@dataclass
class Approval:
    """A WhatsApp approval request: what was asked, and Meta's decision once it is due."""

    name: str
    category: str
    outcome: str  # approved or rejected, revealed at `due`
    rejection_reason: str
    due: float  # time.monotonic() at which Meta's decision is known

    def status(self) -> str:
        """Return `pending` until the decision is due, then the decision."""
        return self.outcome if time.monotonic() >= self.due else "pending"

    def decide(self, outcome: str, reason: str) -> None:
        """Make Meta's decision now (the control endpoint's review)."""
        self.outcome = outcome
        self.rejection_reason = reason if outcome == "rejected" else ""
        self.due = time.monotonic()


@dataclass
class StoredContent:
    """One Content resource as it was created, and its WhatsApp approval request, if any."""

    sid: str
    account_sid: str
    friendly_name: str
    language: str
    variables: dict[str, str]
    types: dict[str, dict[str, Any]]
    date_created: datetime = field(default_factory=utc_now)
    approval: Approval | None = None

    @property
    def url(self) -> str:
        """Return the resource's path (the base URL is the client's)."""
        return f"/{CONTENT_VERSION}/Content/{self.sid}"

    @property
    def content_type(self) -> str:
        """Return the type WhatsApp reviews: the first of the types that carry a body."""
        return next((kind for kind in BODY_TYPES if kind in self.types), next(iter(self.types)))

    def resource(self, base_url: str) -> dict[str, Any]:
        """Return the Content resource as the API shows it."""
        url = base_url + self.url
        return {
            "account_sid": self.account_sid,
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_created),
            "friendly_name": self.friendly_name,
            "language": self.language,
            "links": {
                "approval_create": f"{url}/ApprovalRequests/whatsapp",
                "approval_fetch": f"{url}/ApprovalRequests",
            },
            "sid": self.sid,
            "types": self.types,
            "url": url,
            "variables": self.variables,
        }

    def whatsapp(self) -> dict[str, Any]:
        """Return the `whatsapp` object of the approval resources."""
        approval = self.approval
        return {
            "allow_category_change": True,
            "category": approval.category if approval else "",
            "content_type": self.content_type,
            "flows": None,
            "name": approval.name if approval else "",
            "rejection_reason": approval.rejection_reason
            if approval and self.status() == "rejected"
            else "",
            "status": self.status(),
            "type": "whatsapp",
        }

    def button_ids(self) -> set[str]:
        """Return the ids of its quick replies (`claim` and `pass`: a seat offer's)."""
        return {
            str(action.get("id"))
            for shown in self.types.values()
            for action in shown.get("actions") or []
        }

    def option_ids(self) -> list[str]:
        """Return the ids of its quick replies and list items, in the order shown."""
        return [
            str(option.get("id"))
            for shown in self.types.values()
            for option in (*(shown.get("actions") or ()), *(shown.get("items") or ()))
            if option.get("id")
        ]

    def option(self, option_id: str) -> tuple[str, str, str] | None:
        """Return (type, title, description) of the quick reply or list item with this id."""
        for kind, shown in self.types.items():
            for action in shown.get("actions") or []:
                if str(action.get("id")) == option_id:
                    return kind, str(action.get("title") or ""), ""
            for item in shown.get("items") or []:
                if str(item.get("id")) == option_id:
                    title, description = str(item.get("item") or ""), item.get("description")
                    return kind, title, str(description or "")
        return None

    def status(self) -> str:
        """Return the WhatsApp approval status: unsubmitted, pending, approved or rejected."""
        return self.approval.status() if self.approval else "unsubmitted"

    def render(self, content_variables: Mapping[str, Any]) -> tuple[str, list[str]]:
        """Return the body and media a message of this content shows, variables filled in."""
        variables = {**self.variables, **content_variables}
        shown = self.types[self.content_type]
        body = str(shown.get("body") or shown.get("title") or "")
        media = [fill(str(url), variables) for url in shown.get("media") or []]
        return fill(body, variables), media


class ContentStore:
    """The Content resources created on this emulator, in creation order."""

    def __init__(self, seed: int | None = None) -> None:
        self.contents: dict[str, StoredContent] = {}
        self.rng = random.Random()
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream of approval delays."""
        self.rng = random.Random(None if seed is None else f"content-{seed}")

    def approval_delay(self, config: EmulatorConfig) -> float:
        """Return how many seconds Meta takes to decide on a template submitted now."""
        return self.rng.uniform(*config.content_approval_delay)

    def create(self, account_sid: str, request: Mapping[str, Any]) -> StoredContent:
        """Store a validated create request (see content_api) and return it."""
        content = StoredContent(
            sid=new_sid("HX"),
            account_sid=account_sid,
            friendly_name=str(request.get("friendly_name") or ""),
            language=str(request["language"]),
            variables={str(k): str(v) for k, v in (request.get("variables") or {}).items()},
            types=dict(request["types"]),
        )
        self.contents[content.sid] = content
        return content

    def get(self, sid: str) -> StoredContent | None:
        """Return the content with this SID, if any."""
        return self.contents.get(sid)

    def delete(self, sid: str) -> bool:
        """Forget the content with this SID; return whether there was one."""
        return self.contents.pop(sid, None) is not None

    def newest_first(self) -> Iterator[StoredContent]:
        """Iterate from the most recent content."""
        return reversed(list(self.contents.values()))

    def reset(self) -> None:
        """Forget every content."""
        self.contents.clear()

    def render(self, sid: str, variables_json: str | None) -> tuple[str, list[str]] | None:
        """Return (body, media) of a message of content `sid`, or None if it is not ours."""
        content = self.contents.get(sid)
        if content is None:
            return None
        return content.render(json.loads(variables_json or "{}"))

    def is_offer(self, sid: str) -> bool:
        """Return whether `sid` is a content of ours with a seat offer's Claim button."""
        content = self.contents.get(sid)
        return content is not None and "claim" in content.button_ids()

    def is_notice(self, sid: str) -> bool:
        """Return whether `sid` is a content of ours named as a notice is (`update_es_3`,
        `cancellation_...`, `thanks_...`, `missed_...`, a pass's `pass_...`): read, never
        answered."""
        content = self.contents.get(sid)
        return content is not None and content.friendly_name.startswith(NOTICE_NAMES)

    def unapproved(self, sid: str) -> bool:
        """Return whether `sid` is a content of ours that WhatsApp has not approved."""
        content = self.contents.get(sid)
        return content is not None and content.status() != "approved"
