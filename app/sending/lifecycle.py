"""A campaign's life: its states, every transition between them, their locks and their SQL.

Every change of a campaign's state goes through here, whoever asks (the organiser through the
services, the worker's sweep, the sender when nothing is left):

    scheduled --start--> running --pause--> paused --resume--> running
    scheduled|running|paused --cancel--> canceled
    running --complete--> completed --retry-failed--> running
    scheduled --move--> scheduled (another time); a start its pre-flight refuses: canceled

`STATES` says what each state means for the campaign's queued rows (sent, or parked as
paused or canceled when a sender picks them up); `TRANSITIONS` says, for each action, the
states it leaves from, the state each leads to, and what it does to the queued rows. The
claims (parking), the results (requeueing), the controls of the API, dashboard and CLI, and
the tests' table all derive from these two.

Locks are taken in one order, in `lock`: the event, then the campaign, then (by the row
statements) its invitations; all FOR NO KEY UPDATE, so the foreign-key checks of inserts
elsewhere (FOR KEY SHARE) never wait on them. Every function takes a `Connection` inside a
transaction the caller owns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.models.enums import CampaignState, SendState, states_text
from app.sending.approved import Undecided, undecided
from app.sending.audiences import Target, fill
from app.sending.kinds import WATCHING, kind_of, sql_list
from app.sending.languages import language_name, names
from app.sending.message import MessageDefaults
from app.sending.preflight import Preflight, plan_audience
from app.sending.reach import count_languages, held_by
from app.sending.reachability import REACHABLE
from app.sending.settings import SendingSettings

SCHEDULED, RUNNING, PAUSED = CampaignState.SCHEDULED, CampaignState.RUNNING, CampaignState.PAUSED
CANCELED, COMPLETED = CampaignState.CANCELED, CampaignState.COMPLETED


@dataclass(frozen=True)
class StateSpec:
    """What a campaign's state means for it and its queued rows."""

    state: CampaignState
    active: bool  # the event's current campaign of its kind (one reminder at a time, ...)
    # What a queued row becomes when a sender picks it up (or hands it back) while its
    # campaign is in this state; None: it is sent.
    parks_as: SendState | None = None

    @property
    def final(self) -> bool:
        """Whether nothing more happens to the campaign but a retry of its failures."""
        return not self.active


STATES: dict[CampaignState, StateSpec] = {
    spec.state: spec
    for spec in (
        # Nothing of a campaign that has not started is sent (its rows are written at start).
        StateSpec(SCHEDULED, active=True, parks_as=SendState.PAUSED),
        StateSpec(RUNNING, active=True),
        StateSpec(PAUSED, active=True, parks_as=SendState.PAUSED),
        StateSpec(CANCELED, active=False, parks_as=SendState.CANCELED),
        StateSpec(COMPLETED, active=False),
    )
}
ACTIVE = tuple(state for state, spec in STATES.items() if spec.active)
# Campaign state -> what its picked rows become (claims), as stored values.
PARKED: dict[str, str] = {
    state.value: spec.parks_as.value for state, spec in STATES.items() if spec.parks_as
}
# Where a row handed back by a sender goes (`results`, `reconcile`): the due path, unless its
# campaign parks it (a resume unparks what it finds `paused`).
PARKING = " ".join(f"WHEN '{state}' THEN '{row}'" for state, row in PARKED.items())
REQUEUED_STATE = f"""coalesce((
    SELECT CASE c.state {PARKING} END FROM campaigns AS c WHERE c.id = i.campaign_id
), :send_pending)"""  # noqa: S608 - constant SQL fragments, no input

CANCEL_ROWS = states_text("""
UPDATE invitations SET send_state = :send_canceled, next_attempt_at = NULL, updated_at = now()
WHERE campaign_id = :campaign_id AND send_state IN (:send_pending, :send_paused)
""")
# Pausing takes the pending rows off the senders' due path; resuming puts them back, due
# when they were.
PARK_ROWS = states_text("""
UPDATE invitations SET send_state = :send_paused, updated_at = now()
WHERE campaign_id = :campaign_id AND send_state = :send_pending
""")
UNPARK_ROWS = states_text("""
UPDATE invitations SET send_state = :send_pending, updated_at = now()
WHERE campaign_id = :campaign_id AND send_state = :send_paused
""")
# Failed rows go back to the due path (parked, in a paused campaign); guests who opted out or
# can never receive stay failed.
REQUEUE_FAILED_ROWS = states_text(
    f"""
UPDATE invitations AS i
SET send_state = CASE WHEN :to_state = :campaign_paused THEN :send_paused ELSE :send_pending END,
    next_attempt_at = now(), attempt_count = 0, error_code = NULL, error_reason = NULL,
    updated_at = now()
FROM guests AS g
WHERE g.id = i.guest_id AND i.campaign_id = :campaign_id AND i.send_state = :send_failed
  AND {REACHABLE}
"""  # noqa: S608 - constant SQL fragments, no input
)


@dataclass(frozen=True)
class Transition:
    """One action on a campaign: the states it leaves from and where each leads, what it does
    to the queued rows, and what it records on the campaign."""

    action: str
    moves: Mapping[CampaignState, CampaignState]
    rows: Any = None  # a statement over the campaign's rows (:campaign_id, :to_state)
    # Assignments to the campaign's columns besides its state (:send_at, :note, ...).
    records: str = ""
    verb: str = ""  # "cannot {verb} a {state} campaign"; the action's name by default
    by_organiser: bool = True  # offered as a control; else the engine's alone

    def refusal(self, state: CampaignState) -> str:
        """Why the action can't be done from `state`."""
        return f"cannot {self.verb or self.action} a {state.value} campaign"


TRANSITIONS: dict[str, Transition] = {
    transition.action: transition
    for transition in (
        Transition("move", {SCHEDULED: SCHEDULED}, records="send_at = :send_at"),
        Transition("pause", {RUNNING: PAUSED}, PARK_ROWS),
        Transition("resume", {PAUSED: RUNNING}, UNPARK_ROWS, "progressed_at = now()"),
        Transition(
            "cancel",
            {SCHEDULED: CANCELED, RUNNING: CANCELED, PAUSED: CANCELED},
            CANCEL_ROWS,
            "finished_at = now()",
        ),
        # A paused campaign stays paused; a completed one runs again.
        Transition(
            "retry-failed",
            {RUNNING: RUNNING, PAUSED: PAUSED, COMPLETED: RUNNING},
            REQUEUE_FAILED_ROWS,
            "finished_at = CASE WHEN :to_state = :campaign_running THEN NULL"
            " ELSE finished_at END, progressed_at = CASE WHEN :to_state = :campaign_running"
            " THEN now() ELSE progressed_at END",
            verb="retry the failed invitations of",
        ),
        Transition(
            "start",
            {SCHEDULED: RUNNING},
            records="total = :total, note = :note, progressed_at = now(), finished_at = NULL",
            by_organiser=False,
        ),
        Transition(
            "refuse",
            {SCHEDULED: CANCELED},
            records="note = :note, finished_at = now()",
            verb="refuse to start",
            by_organiser=False,
        ),
        Transition(
            "complete", {RUNNING: COMPLETED}, records="finished_at = now()", by_organiser=False
        ),
    )
}


# Each transition's update of the campaign row: its new state and its records.
RECORDS = {
    action: states_text(
        f"UPDATE campaigns SET state = :to_state{', ' if t.records else ''}{t.records}"  # noqa: S608
        " WHERE id = :campaign_id"
    )
    for action, t in TRANSITIONS.items()
}


def controls(state: CampaignState, has_failures: bool) -> list[str]:
    """The actions the organiser is offered for a campaign in `state` (retry-failed only
    with failures; a move has a form of its own)."""
    offered = []
    for action, transition in TRANSITIONS.items():
        if not transition.by_organiser or action == "move" or state not in transition.moves:
            continue
        if action != "retry-failed" or has_failures:
            offered.append(action)
    return offered


class CampaignMissing(LookupError):
    """No such campaign."""


class NotAllowed(Exception):
    """The action does not fit the campaign's state (`action`, `state`: for the dashboard to
    say it in its language)."""

    def __init__(self, message: str, action: str = "", state: str = "") -> None:
        super().__init__(message)
        self.action = action
        self.state = state


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as a transition reads it, locked."""

    id: int
    event_id: int
    kind: str
    state: CampaignState
    send_at: datetime | None
    include_maybe: bool
    after_seconds: int | None
    include_unanswered: bool = False
    round: int = 0

    @property
    def target(self) -> Target:
        """Its audience: the event, the kind, and the kind's options."""
        return Target(
            self.event_id,
            self.kind,
            self.include_maybe,
            self.after_seconds or 0,
            self.include_unanswered,
            self.round,
        )


@dataclass(frozen=True)
class Moved:
    """What a transition did."""

    campaign_id: int
    before: CampaignState
    after: CampaignState
    rows: int  # queued rows it changed (parked, unparked, canceled, requeued, written)


LOCK_EVENT = text(
    "SELECT id FROM events WHERE id = (SELECT event_id FROM campaigns WHERE id = :id)"
    " FOR NO KEY UPDATE"
)
LOCK_CAMPAIGN = (
    "SELECT id, event_id, kind, state, send_at, include_maybe, after_seconds,"
    " include_unanswered, round FROM campaigns WHERE id = :id FOR NO KEY UPDATE"
)


def lock(
    connection: Connection, campaign_id: int, *, event: bool = False, wait: bool = True
) -> CampaignRow | None:
    """Lock the campaign (after its event, with `event`) and read it; None if there is none,
    or, without `wait`, if another transaction holds it."""
    if event:
        connection.execute(LOCK_EVENT, {"id": campaign_id})
    statement = LOCK_CAMPAIGN + ("" if wait else " SKIP LOCKED")
    row = connection.execute(text(statement), {"id": campaign_id}).one_or_none()
    if row is None:
        return None
    return CampaignRow(**{**row._mapping, "state": CampaignState(row.state)})


def apply(
    connection: Connection, campaign_id: int, action: str, **values: Any
) -> tuple[CampaignRow, Moved]:
    """Do an organiser's action (see `TRANSITIONS`) under the campaign's lock.

    Raises:
        CampaignMissing: no such campaign.
        NotAllowed: the action does not fit the campaign's state.
    """
    campaign = lock(connection, campaign_id)
    if campaign is None:
        raise CampaignMissing(f"campaign {campaign_id} not found")
    return campaign, _move(connection, campaign, TRANSITIONS[action], **values)


def _move(
    connection: Connection, campaign: CampaignRow, transition: Transition, **values: Any
) -> Moved:
    """Apply `transition` to a locked campaign: its rows, then its state and records."""
    if campaign.state not in transition.moves:
        raise NotAllowed(
            transition.refusal(campaign.state), transition.action, campaign.state.value
        )
    after = transition.moves[campaign.state]
    params = {"campaign_id": campaign.id, "to_state": after.value, **values}
    rows = 0 if transition.rows is None else connection.execute(transition.rows, params).rowcount
    connection.execute(RECORDS[transition.action], params)
    return Moved(campaign.id, campaign.state, after, rows)


@dataclass(frozen=True)
class StartChecks:
    """What a start checks again, now: rate, daily tier and templates."""

    sending: SendingSettings
    defaults: MessageDefaults
    has_callback_url: bool = True

    def plan(self, connection: Connection, target: Target) -> Preflight:
        """The pre-flight of `target` now."""
        has_template = bool(self.defaults.templates(target.kind))
        return plan_audience(connection, target, self.sending, has_template, self.has_callback_url)

    def review(self, connection: Connection, target: Target) -> Undecided:
        """The kind's dashboard templates WhatsApp has not approved (waiting or rejected)
        that some guest of `target` would get: a campaign with none of their guests does
        not wait for them (`app.sending.reach`)."""
        found = undecided(connection, target.kind, self.defaults.content_templates)
        if not (found.waiting or found.rejected):
            return found
        languages = count_languages(connection, target)
        return held_by(found, languages, self.defaults.templates(target.kind))


def start(connection: Connection, campaign_id: int, checks: StartChecks) -> Moved | None:
    """Start a scheduled campaign whose time has come: write its rows for its audience now.

    The one start of every campaign: at its creation when it starts at once, and by the
    worker's sweep at its `send_at`. Its pre-flight is checked again; a kind that needs a
    template without one is refused (canceled, with the reason in its note) rather than
    sent as free text WhatsApp would reject. While a template of its kind written in the
    dashboard waits for WhatsApp's approval it stays scheduled and says so in its note; once
    one is rejected it is refused with WhatsApp's reason. None when it is not scheduled and
    due any more (a cancel or a move that committed first wins), waits for an approval, or
    another transaction holds it.
    """
    campaign = lock(connection, campaign_id, event=True, wait=False)
    due = campaign is not None and campaign.state is SCHEDULED
    if campaign is None or not due or not _is_due(connection, campaign):
        return None
    review = checks.review(connection, campaign.target)
    if review.rejected:
        refusal = NOT_STARTED + rejection_note(campaign.target.kind, review)
        return _move(connection, campaign, TRANSITIONS["refuse"], note=refusal)
    if review.waiting:
        _wait_for_approval(connection, campaign.id, campaign.target.kind, review)
        return None
    plan = checks.plan(connection, campaign.target)
    if plan.missing_template:
        label = kind_of(campaign.target.kind).label.lower()
        refusal = f"{NOT_STARTED}no {label} is approved in any language yet; write one on the"
        refusal += " Messages page"
        return _move(connection, campaign, TRANSITIONS["refuse"], note=refusal)
    total = fill(connection, campaign.target, campaign.id)
    found = "; ".join(plan.warnings) or None
    moved = _move(connection, campaign, TRANSITIONS["start"], total=total, note=found)
    return Moved(moved.campaign_id, moved.before, moved.after, total)


# How the note of a campaign its start refused begins, of one refused for a rejected
# template, and of one waiting for an approval.
NOT_STARTED = "Not started: "
REJECTED_TEMPLATE = NOT_STARTED + "WhatsApp rejected"
WAITING_FOR_APPROVAL = "Waiting for WhatsApp to approve"
WAIT = text("UPDATE campaigns SET send_at = COALESCE(send_at, now()), note = :note WHERE id = :id")


def _wait_for_approval(
    connection: Connection, campaign_id: int, kind: str, review: Undecided
) -> None:
    """Keep a campaign scheduled (and due, so the sweep tries again) until WhatsApp decides."""
    languages = names(review.waiting)
    note = f"{WAITING_FOR_APPROVAL} the {languages} {kind_of(kind).label.lower()}"
    connection.execute(WAIT, {"id": campaign_id, "note": note})


def rejection_note(kind: str, review: Undecided) -> str:
    """Why a campaign does not start: the templates WhatsApp rejected, with its reasons."""
    label = kind_of(kind).label.lower()
    languages = names(code for code, _ in review.rejected)
    if len(review.rejected) == 1:
        reasons = f"“{review.rejected[0][1].rstrip('.')}”"
    else:
        label += "s"
        reasons = "; ".join(f"{language_name(code)}: {why}" for code, why in review.rejected)
    return (
        f"WhatsApp rejected the {languages} {label} ({reasons}), which guests of this campaign"
        " would get; fix it on the Messages page"
    )


def _is_due(connection: Connection, campaign: CampaignRow) -> bool:
    """Whether a scheduled campaign's time has come (none set: now)."""
    if campaign.send_at is None:
        return True
    return bool(connection.execute(text("SELECT :at <= now()"), {"at": campaign.send_at}).scalar())


DUE = states_text("""
SELECT id FROM campaigns
WHERE state = :campaign_scheduled AND send_at <= now()
ORDER BY send_at, id LIMIT :limit
""")


def due_scheduled(connection: Connection, limit: int) -> list[int]:
    """Scheduled campaigns whose time has come, oldest first (`ix_campaigns_scheduled`)."""
    return list(connection.execute(DUE, {"limit": limit}).scalars())


# A running campaign with nothing left to send is completed; a watching one (a follow-up)
# keeps running, queueing guests as they come due, until its event starts.
COMPLETE = states_text(
    f"""
UPDATE campaigns AS c SET state = :campaign_completed, finished_at = now()
WHERE c.state = :campaign_running AND NOT EXISTS (
    SELECT 1 FROM invitations AS i
    WHERE i.campaign_id = c.id AND i.send_state IN (:send_pending, :send_paused, :send_sending))
  AND (c.kind NOT IN ({sql_list(WATCHING)}) OR EXISTS (
    SELECT 1 FROM events AS e WHERE e.id = c.event_id AND e.starts_at <= now()))
RETURNING c.id
"""  # noqa: S608 - constant SQL fragments, no input
)

# Rows parked as `paused` while their campaign was resumed (a claim that read the campaign's
# state just before the resume committed): back to the due path.
UNPARK_RESUMED = states_text("""
UPDATE invitations AS i SET send_state = :send_pending, updated_at = now()
FROM campaigns AS c
WHERE c.state = :campaign_running AND i.campaign_id = c.id AND i.send_state = :send_paused
""")


def complete_finished(connection: Connection) -> list[int]:
    """Complete the running campaigns with nothing left to send; return their ids."""
    return [row.id for row in connection.execute(COMPLETE)]


def unpark_resumed(connection: Connection) -> int:
    """Return to the due path the rows parked while their campaign was being resumed."""
    return connection.execute(UNPARK_RESUMED).rowcount


RUNNING_WATCHERS = states_text(
    f"""
SELECT id FROM campaigns WHERE kind IN ({sql_list(WATCHING)}) AND state = :campaign_running
"""  # noqa: S608 - constant SQL fragments, no input
)
ADD_TOTAL = text("UPDATE campaigns SET total = total + :n WHERE id = :id")


def running_watchers(connection: Connection) -> list[int]:
    """The running campaigns of watching kinds (follow-ups)."""
    return list(connection.execute(RUNNING_WATCHERS).scalars())


def feed(connection: Connection, campaign_id: int) -> int:
    """Queue a running watching campaign's guests who came due; return how many.

    Skipped (0) when it stopped running or another transaction holds it: a pause or a
    cancel that committed first wins.
    """
    campaign = lock(connection, campaign_id, wait=False)
    if campaign is None or campaign.state is not RUNNING:
        return 0
    queued = fill(connection, campaign.target, campaign.id)
    if queued:
        connection.execute(ADD_TOTAL, {"id": campaign.id, "n": queued})
    return queued
