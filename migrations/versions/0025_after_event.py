"""After the event: a thank-you to the guests who came, a missed-you to the others.

Revision ID: 0025
Revises: 0024

- Two kinds of message: `thanks` (to the guests with a check-in) and `missed` (to the
  seated guests who confirmed and have none), each once per guest, sent only once the event
  has started (`app.sending.kinds`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("invitation", "reminder", "followup", "reply", "offer", "update", "cancellation")
KINDS = (*KINDS_BEFORE, "thanks", "missed")


def kinds(allowed: tuple[str, ...]) -> None:
    """Replace the CHECK constraints listing the kinds of message."""
    for table in ("campaigns", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_messagekind"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_messagekind"), table, sa.text(f"kind IN {allowed}")
        )


def upgrade() -> None:
    kinds(KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE kind IN ('thanks', 'missed')")
    op.execute("DELETE FROM campaigns WHERE kind IN ('thanks', 'missed')")
    kinds(KINDS_BEFORE)
