"""What an update tells changed: the time, the venue, or both.

Revision ID: 0026
Revises: 0025

- `events.untold_changes`: what changed of the event's start, zone (`time`) and venue or
  where it is (`venue`) since guests were last told; an update campaign takes it and clears it.
- `campaigns.changes`: what an update campaign tells changed (its template's `{changed}`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, column in (("events", "untold_changes"), ("campaigns", "changes")):
        op.add_column(
            table,
            sa.Column(
                column,
                postgresql.ARRAY(sa.String(length=10)),
                server_default=sa.text("'{}'::varchar[]"),
                nullable=False,
            ),
        )


def downgrade() -> None:
    op.drop_column("campaigns", "changes")
    op.drop_column("events", "untold_changes")
