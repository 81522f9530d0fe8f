"""Heads: how many people a guest may bring, and how many are coming.

Revision ID: 0012
Revises: 0011

- `events.plus_ones`: how many people each guest may bring besides themself (0 to 99,
  default 0: the invitation is for the guest alone).
- `guests.plus_ones`: the guest's own allowance; NULL follows the event's.
- `guests.party_size`: how many are coming, the guest included, as they (or the organiser)
  said; NULL when not said, counted as one. The service keeps it within 1 + the allowance;
  the database refuses only the absurd (1 to 100). `ix_guests_parties` finds an event's
  guests who come with others, for the heads in its stats.
- `inbound_messages.party_size`: the head count a message stated, accepted or not.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events", sa.Column("plus_ones", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_check_constraint(
        op.f("ck_events_plus_ones"), "events", sa.text("plus_ones BETWEEN 0 AND 99")
    )
    op.add_column("guests", sa.Column("plus_ones", sa.Integer(), nullable=True))
    op.add_column("guests", sa.Column("party_size", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_guests_plus_ones"), "guests", sa.text("plus_ones BETWEEN 0 AND 99")
    )
    op.create_check_constraint(
        op.f("ck_guests_party_size"), "guests", sa.text("party_size BETWEEN 1 AND 100")
    )
    op.create_index(
        "ix_guests_parties", "guests", ["event_id"], postgresql_where=sa.text("party_size > 1")
    )
    op.add_column("inbound_messages", sa.Column("party_size", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_inbound_messages_party_size"),
        "inbound_messages",
        sa.text("party_size BETWEEN 0 AND 999"),
    )


def downgrade() -> None:
    op.drop_column("inbound_messages", "party_size")
    op.drop_index("ix_guests_parties", table_name="guests")
    op.drop_column("guests", "party_size")
    op.drop_column("guests", "plus_ones")
    op.drop_column("events", "plus_ones")
