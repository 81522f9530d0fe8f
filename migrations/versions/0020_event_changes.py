"""Changes that reach the right guests: updates once per change, and a canceled event.

Revision ID: 0020
Revises: 0019

- `invitations.round`: which change of its event a row tells of. Invitations, reminders and
  follow-ups keep round 0; an `update` is written for the event's `calendar_sequence` at the
  change it tells of, so a guest gets one update per change. The one-row-per-guest-and-kind
  index becomes one row per guest, kind and round (`uq_invitations_guest_id_kind_round`):
  the FILL's ON CONFLICT DO NOTHING keeps an update exactly once per change, however often
  the organiser saves.
- `campaigns.round`: the change an update campaign tells of; `campaigns.include_unanswered`:
  an update also goes to guests who have not answered.
- `events.canceled_at`: when the event was canceled; nothing of it is sent after that but
  the `cancellation` (once per invited guest) and the organiser's replies.
- Two kinds of message: `update` and `cancellation`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("invitation", "reminder", "followup", "reply", "offer")
KINDS = (*KINDS_BEFORE, "update", "cancellation")
MANY_PER_GUEST = "kind NOT IN ('reply', 'offer')"


def kinds(allowed: tuple[str, ...]) -> None:
    """Replace the CHECK constraints listing the kinds of message."""
    for table in ("campaigns", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_messagekind"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_messagekind"), table, sa.text(f"kind IN {allowed}")
        )


def upgrade() -> None:
    op.add_column(
        "invitations", sa.Column("round", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("campaigns", sa.Column("round", sa.Integer(), server_default="0", nullable=False))
    op.add_column(
        "campaigns",
        sa.Column("include_unanswered", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("events", sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True))
    kinds(KINDS)
    op.create_index(
        "uq_invitations_guest_id_kind_round",
        "invitations",
        ["guest_id", "kind", "round"],
        unique=True,
        postgresql_where=sa.text(MANY_PER_GUEST),
    )
    op.drop_index("uq_invitations_guest_id_kind", table_name="invitations")


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE kind IN ('update', 'cancellation')")
    op.execute("DELETE FROM campaigns WHERE kind IN ('update', 'cancellation')")
    op.create_index(
        "uq_invitations_guest_id_kind",
        "invitations",
        ["guest_id", "kind"],
        unique=True,
        postgresql_where=sa.text(MANY_PER_GUEST),
    )
    op.drop_index("uq_invitations_guest_id_kind_round", table_name="invitations")
    kinds(KINDS_BEFORE)
    op.drop_column("events", "canceled_at")
    op.drop_column("campaigns", "include_unanswered")
    op.drop_column("campaigns", "round")
    op.drop_column("invitations", "round")
