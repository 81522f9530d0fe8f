"""Approval before sending: an organiser's big campaign waits for an owner.

Revision ID: 0022
Revises: 0021

- `approvals`: the campaign as submitted (its start, recipients, duration and a fingerprint
  of the event's words and guest list), and the owner's decision (approved with the
  campaign it created, rejected, or stale: changed since), who and when, with a note.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

STATES = "('pending', 'approved', 'rejected', 'stale')"


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("estimated_seconds", sa.Float(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"state IN {STATES}", name=op.f("ck_approvals_approvalstate")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_approvals_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_approvals_submitted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_approvals_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_approvals_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index(op.f("ix_approvals_event_id"), "approvals", ["event_id"])
    op.create_index(
        "ix_approvals_pending", "approvals", ["id"], postgresql_where=sa.text("state = 'pending'")
    )


def downgrade() -> None:
    op.drop_table("approvals")
