"""An event's country, and whether replies may change a guest's language.

Revision ID: 0009
Revises: 0008

- `events.country`: the ISO 3166 alpha-2 country ("ES") in which the national numbers of
  the event's guest lists are read. NULL for existing events, which read them in the
  country of their time zone, else in `DEFAULT_PHONE_REGION`.
- `events.language_from_replies`: whether a guest's reply written in another language
  changes the language the service writes to them in (off: the imported language holds).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("country", sa.String(2), nullable=True))
    op.add_column(
        "events",
        sa.Column("language_from_replies", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("events", "language_from_replies")
    op.drop_column("events", "country")
