"""A deleted guest's messages that campaigns counted stay with their campaigns.

Revision ID: 0011
Revises: 0010

- `invitations.guest_id` and `invitations.event_id` may be NULL: deleting a guest keeps
  their rows that belong to a campaign, detached from guest and event, so each campaign's
  total, progress and tallies still add up (`app.services.guest_edits`).
- `invitation_tallies.event_id` may be NULL: such rows count for their campaign, not for
  the event, whose guest count no longer holds the guest.

Downgrading deletes the detached rows (and their tallies, which then sum to nothing).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (
    ("invitations", "guest_id"),
    ("invitations", "event_id"),
    ("invitation_tallies", "event_id"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.alter_column(table, column, existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE guest_id IS NULL OR event_id IS NULL")
    op.execute("DELETE FROM invitation_tallies WHERE event_id IS NULL")
    for table, column in COLUMNS:
        op.alter_column(table, column, existing_type=sa.Integer(), nullable=False)
