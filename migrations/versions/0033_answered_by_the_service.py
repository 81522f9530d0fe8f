"""Replies the service sends for itself: the guest's message each answers, answered once
(`invitations.answers_message_id`).

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invitations", sa.Column("answers_message_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_invitations_answers_message_id_inbound_messages"),
        "invitations",
        "inbound_messages",
        ["answers_message_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "uq_invitations_answers_message",
        "invitations",
        ["answers_message_id"],
        unique=True,
        postgresql_where=sa.text("answers_message_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_invitations_answers_message", table_name="invitations")
    op.drop_constraint(
        op.f("fk_invitations_answers_message_id_inbound_messages"),
        "invitations",
        type_="foreignkey",
    )
    op.drop_column("invitations", "answers_message_id")
