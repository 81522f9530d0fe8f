"""Campaigns on a schedule, reminders and follow-ups.

Revision ID: 0008
Revises: 0007

- `campaigns.kind`: what the campaign sends, `invitation` (as before), `reminder` (to guests
  who confirmed, some hours before the event) or `followup` (to guests who did not answer,
  some days after their invitation was delivered).
- `campaigns.send_at` and the `scheduled` state: a campaign that starts at a time, found
  by the worker's sweep through `ix_campaigns_scheduled` (nothing in Redis is needed).
- `campaigns.include_maybe`, `lead_seconds` (a reminder's time before the start),
  `after_seconds` (a follow-up's delay after delivery) and `note` (why a scheduled campaign
  did not start, or what its pre-flight found at the start).
- `invitations.kind`: a row is one message the engine owes a guest; a guest has at most
  one of each kind (`uq_invitations_guest_id_kind` replaces `uq_invitations_guest_id`).
- `ix_invitations_follow_ons`: an event's reminders and follow-ups, and
  `ix_invitations_unanswered`: its delivered invitations with no answer, so that counting a
  reminder's or follow-up's audience never scans the event's guests.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = ("invitation", "reminder", "followup")
CAMPAIGN_STATES_BEFORE = ("running", "paused", "canceled", "completed")
CAMPAIGN_STATES = (*CAMPAIGN_STATES_BEFORE, "scheduled")
UNANSWERED = "kind = 'invitation' AND rsvp IS NULL AND send_state = 'accepted'"


def upgrade() -> None:
    for table in ("campaigns", "invitations"):
        op.add_column(
            table, sa.Column("kind", sa.String(20), nullable=False, server_default="invitation")
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_messagekind"), table, sa.text(f"kind IN {KINDS}")
        )
    op.add_column("campaigns", sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "campaigns",
        sa.Column("include_maybe", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("campaigns", sa.Column("lead_seconds", sa.Integer(), nullable=True))
    op.add_column("campaigns", sa.Column("after_seconds", sa.Integer(), nullable=True))
    op.add_column("campaigns", sa.Column("note", sa.Text(), nullable=True))
    _campaign_states(CAMPAIGN_STATES)
    op.create_index(
        "ix_campaigns_scheduled",
        "campaigns",
        ["send_at"],
        postgresql_where=sa.text("state = 'scheduled'"),
    )
    op.drop_constraint(op.f("uq_invitations_guest_id"), "invitations", type_="unique")
    op.create_unique_constraint(
        op.f("uq_invitations_guest_id_kind"), "invitations", ["guest_id", "kind"]
    )
    op.create_index(
        "ix_invitations_follow_ons",
        "invitations",
        ["event_id", "kind"],
        postgresql_where=sa.text("kind <> 'invitation'"),
    )
    op.create_index(
        "ix_invitations_unanswered",
        "invitations",
        ["event_id", "delivered_at"],
        postgresql_where=sa.text(UNANSWERED),
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_unanswered", table_name="invitations")
    op.drop_index("ix_invitations_follow_ons", table_name="invitations")
    op.execute("DELETE FROM invitations WHERE kind <> 'invitation'")
    op.execute("DELETE FROM campaigns WHERE kind <> 'invitation' OR state = 'scheduled'")
    op.drop_constraint(op.f("uq_invitations_guest_id_kind"), "invitations", type_="unique")
    op.create_unique_constraint(op.f("uq_invitations_guest_id"), "invitations", ["guest_id"])
    op.drop_index("ix_campaigns_scheduled", table_name="campaigns")
    _campaign_states(CAMPAIGN_STATES_BEFORE)
    for column in ("note", "after_seconds", "lead_seconds", "include_maybe", "send_at"):
        op.drop_column("campaigns", column)
    for table in ("campaigns", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_messagekind"), table, type_="check")
        op.drop_column(table, "kind")


def _campaign_states(states: tuple[str, ...]) -> None:
    """Replace the CHECK constraint listing the campaign states."""
    op.drop_constraint(op.f("ck_campaigns_campaignstate"), "campaigns", type_="check")
    allowed = ", ".join(f"'{state}'" for state in states)
    op.create_check_constraint(
        op.f("ck_campaigns_campaignstate"), "campaigns", sa.text(f"state IN ({allowed})")
    )
