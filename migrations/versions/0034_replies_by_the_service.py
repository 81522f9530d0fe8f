"""Replies the service writes for itself (a late confirmation, a question with buttons, a
question asked again), told apart from the organiser's own words (`invitations.by_service`).

Revision ID: 0034
Revises: 0033
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "invitations",
        sa.Column("by_service", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # The ones that can still be told: a question with buttons, a confirmation owed (a
    # question asked again in words looks like the organiser's own, and stays so).
    op.execute(
        "UPDATE invitations SET by_service = true WHERE kind = 'reply'"
        " AND (content_key IS NOT NULL OR answers_message_id IS NOT NULL)"
    )


def downgrade() -> None:
    op.drop_column("invitations", "by_service")
