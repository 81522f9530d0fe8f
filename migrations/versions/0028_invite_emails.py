"""Invite links sent by email when SMTP is configured.

Revision ID: 0028
Revises: 0027

- `invites.email_state` (queued, sent, failed), `email_error` (the reason, for the team
  page), `emailed_at`, and `sealed_link`: the link sealed with a key derived from
  SECRET_KEY until the email went (`app.services.invite_mail`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invites", sa.Column("email_state", sa.String(20), nullable=True))
    op.add_column("invites", sa.Column("email_error", sa.String(300), nullable=True))
    op.add_column("invites", sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invites", sa.Column("sealed_link", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("sealed_link", "emailed_at", "email_error", "email_state"):
        op.drop_column("invites", column)
