"""Capacity and a waitlist: seats in heads, and offers of freed seats that cascade.

Revision ID: 0013
Revises: 0012

- `events.capacity`: how many heads may come (NULL: no cap); `events.offer_hours`: how long
  an offered seat is held (fractions allowed, default 24).
- `guests.waitlisted_at`: when a guest's yes (with their party) found the event full; NULL
  when not waitlisted. The waitlist is ordered by it (then id); `ix_guests_waitlist` finds
  an event's. A waitlisted guest's answer stays "confirmed": their seat is not.
- `offers`: a freed seat offered to a waitlisted guest, held until `hold_until` for `party`
  heads; `outcome` NULL while open, then claimed, passed or expired. One open offer per guest
  (`uq_offers_open`); `invitation_id` is the message that carries it.
- `offer`, a kind of message: like replies, a guest may have several over time (one per
  offer), so the one-row-per-guest-and-kind index leaves offers out too, and the tallies
  (the event's and campaigns' figures) do not count them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("invitation", "reminder", "followup", "reply")
KINDS = (*KINDS_BEFORE, "offer")
TALLY_KEY = "event_id, campaign_id, send_state, delivery_status, rsvp, error_code"


def replace_tally_functions(rows: str) -> None:
    """Redefine the invitation tally triggers' functions (same names, same triggers)."""
    new, old = rows.format(table="new_rows"), rows.format(table="old_rows")
    bodies = {
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
    for action, body in bodies.items():
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


def one_row_per_guest_and_kind(leaves_out: str) -> None:
    """Recreate the unique index of one row per guest and kind, leaving some kinds out."""
    op.drop_index("uq_invitations_guest_id_kind", table_name="invitations")
    op.create_index(
        "uq_invitations_guest_id_kind",
        "invitations",
        ["guest_id", "kind"],
        unique=True,
        postgresql_where=sa.text(leaves_out),
    )


def upgrade() -> None:
    op.add_column("events", sa.Column("capacity", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_events_capacity"), "events", sa.text("capacity BETWEEN 0 AND 1000000")
    )
    op.add_column(
        "events",
        sa.Column("offer_hours", sa.Numeric(8, 4), nullable=False, server_default="24"),
    )
    op.create_check_constraint(
        op.f("ck_events_offer_hours"), "events", sa.text("offer_hours > 0 AND offer_hours <= 720")
    )
    op.add_column(
        "guests", sa.Column("waitlisted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_guests_waitlist",
        "guests",
        ["event_id", "waitlisted_at", "id"],
        postgresql_where=sa.text("waitlisted_at IS NOT NULL"),
    )
    kinds(KINDS)
    one_row_per_guest_and_kind("kind NOT IN ('reply', 'offer')")
    replace_tally_functions(
        "(SELECT * FROM {table} WHERE kind NOT IN ('reply', 'offer')) AS counted"
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("party", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('claimed', 'passed', 'expired')", name=op.f("ck_offers_offeroutcome")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_offers_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guests.id"], name=op.f("fk_offers_guest_id_guests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_offers_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(
        "uq_offers_open",
        "offers",
        ["guest_id"],
        unique=True,
        postgresql_where=sa.text("outcome IS NULL"),
    )
    op.create_index(
        "ix_offers_open_event",
        "offers",
        ["event_id", "hold_until"],
        postgresql_where=sa.text("outcome IS NULL"),
    )
    op.create_index("ix_offers_invitation_id", "offers", ["invitation_id"])


def downgrade() -> None:
    op.drop_table("offers")
    op.execute("DELETE FROM invitations WHERE kind = 'offer'")
    replace_tally_functions("(SELECT * FROM {table} WHERE kind <> 'reply') AS counted")
    one_row_per_guest_and_kind("kind <> 'reply'")
    kinds(KINDS_BEFORE)
    op.drop_index("ix_guests_waitlist", table_name="guests")
    op.drop_column("guests", "waitlisted_at")
    op.drop_column("events", "offer_hours")
    op.drop_column("events", "capacity")
