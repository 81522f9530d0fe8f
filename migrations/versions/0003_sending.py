"""Schema changes for the sending engine.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Record each attempt's sender; index due invitations and campaign progress counts."""
    op.add_column("message_attempts", sa.Column("sender", sa.String(length=100), nullable=True))
    op.create_index(
        "ix_invitations_campaign_state",
        "invitations",
        ["campaign_id", "send_state"],
        unique=False,
    )
    op.create_index(
        "ix_invitations_due",
        "invitations",
        ["next_attempt_at", "id"],
        unique=False,
        postgresql_where=sa.text("send_state = 'pending'"),
    )


def downgrade() -> None:
    """Drop the column and the indexes."""
    op.drop_index("ix_invitations_due", table_name="invitations")
    op.drop_index("ix_invitations_campaign_state", table_name="invitations")
    op.drop_column("message_attempts", "sender")
