"""Approval per event and for every kind of campaign that sends to guests.

Revision ID: 0027
Revises: 0026

- `events.approval_above`: above this many recipients an organiser's campaign of the event
  waits for an owner (null: the service's `APPROVAL_ABOVE`; 0: always).
- `approvals.kind` and `approvals.options`: what the request would create (an invitation,
  a reminder, a follow-up, an update, a cancellation, a thank-you or a missed-you) and that
  kind's choices (hours before, include maybe, days after delivery, ...).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

KINDS = ("invitation", "reminder", "followup", "update", "cancellation", "thanks", "missed")


def upgrade() -> None:
    op.add_column("events", sa.Column("approval_above", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_events_approval_above"), "events", sa.text("approval_above >= 0")
    )
    op.add_column(
        "approvals",
        sa.Column("kind", sa.String(20), nullable=False, server_default="invitation"),
    )
    op.create_check_constraint(
        op.f("ck_approvals_approval_kind"), "approvals", sa.text(f"kind IN {KINDS}")
    )
    op.add_column(
        "approvals",
        sa.Column(
            "options",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )


def downgrade() -> None:
    op.drop_column("approvals", "options")
    op.drop_constraint(op.f("ck_approvals_approval_kind"), "approvals", type_="check")
    op.drop_column("approvals", "kind")
    op.drop_constraint(op.f("ck_events_approval_above"), "events", type_="check")
    op.drop_column("events", "approval_above")
