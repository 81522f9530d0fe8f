"""Events in their own time zone; guests in their own language.

Revision ID: 0007
Revises: 0006

- `events.time_zone`: the IANA zone of the event ("Europe/Lisbon"), in which guests and the
  organiser read its dates. Existing events take `DEFAULT_TIME_ZONE` (UTC when unset), the
  zone their start used to be shown in.
- `guests.language`: en, es, pt or ar; NULL for existing guests, whose language is inferred
  from their phone's country when read.
"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    zone = os.environ.get("DEFAULT_TIME_ZONE") or "UTC"
    op.add_column(
        "events",
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    op.execute(sa.text("UPDATE events SET time_zone = :zone").bindparams(zone=zone))
    op.add_column("guests", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("guests", "language")
    op.drop_column("events", "time_zone")
