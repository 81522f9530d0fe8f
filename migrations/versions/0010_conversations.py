"""Conversations: the organiser's replies to a guest, and guests' messages set aside.

Revision ID: 0010
Revises: 0009

- `reply`, a kind of message (`campaigns.kind`, `invitations.kind`): the organiser's free
  text to one guest, sent by the engine like every other message. A guest may have any
  number of replies, so `uq_invitations_guest_id_kind` (one row per guest and kind) becomes
  a unique index that leaves replies out, and `ix_invitations_replies` finds a guest's.
- `invitations.body`: a reply's text (the other kinds are written from templates).
- The tallies count what the event's and campaigns' figures show: replies are left out.
- `inbound_messages.dismissed_at`: a guest's message the organiser set aside without
  replying; `ix_inbound_messages_guest` finds a guest's messages for their conversation.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("invitation", "reminder", "followup")
KINDS = (*KINDS_BEFORE, "reply")
TALLY_KEY = "event_id, campaign_id, send_state, delivery_status, rsvp, error_code"


def tally_functions(rows: str) -> dict[str, str]:
    """The bodies of the invitation tally triggers, counting the rows `rows` selects."""
    new, old = rows.format(table="new_rows"), rows.format(table="old_rows")
    return {
        "insert": f"""
            INSERT INTO invitation_tallies ({TALLY_KEY}, n)
            SELECT {TALLY_KEY}, count(*) FROM {new} GROUP BY {TALLY_KEY};""",
        "delete": f"""
            INSERT INTO invitation_tallies ({TALLY_KEY}, n)
            SELECT {TALLY_KEY}, -count(*) FROM {old} GROUP BY {TALLY_KEY};""",
        "update": f"""
            INSERT INTO invitation_tallies ({TALLY_KEY}, n)
            SELECT {TALLY_KEY}, sum(n) FROM (
                SELECT {TALLY_KEY}, 1 AS n FROM {new}
                UNION ALL
                SELECT {TALLY_KEY}, -1 AS n FROM {old}) AS moved
            GROUP BY {TALLY_KEY} HAVING sum(n) <> 0;""",
    }


def replace_tally_functions(rows: str) -> None:
    """Redefine the invitation tally triggers' functions (same names, same triggers)."""
    for action, body in tally_functions(rows).items():
        op.execute(f"""
            CREATE OR REPLACE FUNCTION tally_invitations_{action}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {body}
                RETURN NULL;
            END $$""")


def kinds(allowed: tuple[str, ...]) -> None:
    """Replace the CHECK constraints listing the kinds of message."""
    for table in ("campaigns", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_messagekind"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_messagekind"), table, sa.text(f"kind IN {allowed}")
        )


def upgrade() -> None:
    kinds(KINDS)
    op.add_column("invitations", sa.Column("body", sa.Text(), nullable=True))
    op.drop_constraint(op.f("uq_invitations_guest_id_kind"), "invitations", type_="unique")
    op.create_index(
        "uq_invitations_guest_id_kind",
        "invitations",
        ["guest_id", "kind"],
        unique=True,
        postgresql_where=sa.text("kind <> 'reply'"),
    )
    op.create_index(
        "ix_invitations_replies",
        "invitations",
        ["guest_id", "created_at"],
        postgresql_where=sa.text("kind = 'reply'"),
    )
    replace_tally_functions("(SELECT * FROM {table} WHERE kind <> 'reply') AS counted")
    op.add_column(
        "inbound_messages", sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_inbound_messages_guest", "inbound_messages", ["guest_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_guest", table_name="inbound_messages")
    op.drop_column("inbound_messages", "dismissed_at")
    op.execute("DELETE FROM invitations WHERE kind = 'reply'")
    op.execute("DELETE FROM campaigns WHERE kind = 'reply'")
    replace_tally_functions("{table}")
    op.drop_index("ix_invitations_replies", table_name="invitations")
    op.drop_index("uq_invitations_guest_id_kind", table_name="invitations")
    op.create_unique_constraint(
        op.f("uq_invitations_guest_id_kind"), "invitations", ["guest_id", "kind"]
    )
    op.drop_column("invitations", "body")
    kinds(KINDS_BEFORE)
