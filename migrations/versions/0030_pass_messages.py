"""A guest's pass sent by the engine, once per pass: a hand confirmation, a new party, a change.

Revision ID: 0030
Revises: 0029

- A kind of message: `pass`, the guest's pass (its image and code) sent outside a reply.
- `invitations.pass_code`: the pass a `pass` row carries. One row per guest, pass and round
  (`uq_invitations_pass`: the event's `calendar_sequence` when it was queued), so each new
  pass, and each change of the event that alters its card, reaches the guest exactly once;
  `uq_invitations_guest_id_kind_round` leaves `pass` rows to it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

KINDS_BEFORE = (
    "invitation", "reminder", "followup", "reply", "offer", "update", "cancellation", "thanks",
    "missed",
)  # fmt: skip
KINDS = (*KINDS_BEFORE, "pass")


def kinds(allowed: tuple[str, ...]) -> None:
    """Replace the CHECK constraints listing the kinds of message."""
    for table in ("campaigns", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_messagekind"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_messagekind"), table, sa.text(f"kind IN {allowed}")
        )


def one_per_kind_and_round(where: str) -> None:
    """Recreate the one-row-per-guest-kind-and-round index for the kinds `where` names."""
    op.drop_index("uq_invitations_guest_id_kind_round", table_name="invitations")
    op.create_index(
        "uq_invitations_guest_id_kind_round",
        "invitations",
        ["guest_id", "kind", "round"],
        unique=True,
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    kinds(KINDS)
    op.add_column("invitations", sa.Column("pass_code", sa.String(length=16), nullable=True))
    one_per_kind_and_round("kind NOT IN ('reply', 'offer', 'pass')")
    op.create_index(
        "uq_invitations_pass",
        "invitations",
        ["guest_id", "pass_code", "round"],
        unique=True,
        postgresql_where=sa.text("kind = 'pass'"),
    )


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE kind = 'pass'")
    op.drop_index("uq_invitations_pass", table_name="invitations")
    one_per_kind_and_round("kind NOT IN ('reply', 'offer')")
    op.drop_column("invitations", "pass_code")
    kinds(KINDS_BEFORE)
