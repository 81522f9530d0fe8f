"""Whether an event gives its guests passes for the door.

Revision ID: 0019
Revises: 0018

- `events.passes`: a seated guest's settled yes brings them a pass (a code and its QR
  image, `app.services.passes`); off by default, so an event without a door sends none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events", sa.Column("passes", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("events", "passes")
