"""Undecided seats: a yes recorded but not yet seated or waitlisted.

Revision ID: 0014
Revises: 0013

The inbound webhook records an answer in one statement on its autocommitting pool, and seats
or waitlists it in a second transaction that locks the event. A web process killed between
the two must not leave the guest counted as seated past the capacity, so the first
statement marks the answer undecided:

- `guests.seat_pending_at`: when the undecided answer arrived (the earliest, if several);
  the waitlist decides undecided answers in this order, from PostgreSQL, under the event's
  lock (`app.sending.waitlist.decide`), the webhook right away and the sweep after a crash;
- `guests.seat_held`: the heads the guest held before it (their former party when they were
  seated, else 0), which is all they count for until it is decided.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "guests", sa.Column("seat_pending_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("guests", sa.Column("seat_held", sa.Integer(), nullable=True))
    op.create_index(
        "ix_guests_seat_pending",
        "guests",
        ["event_id", "seat_pending_at", "id"],
        postgresql_where=sa.text("seat_pending_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_guests_seat_pending", table_name="guests")
    op.drop_column("guests", "seat_held")
    op.drop_column("guests", "seat_pending_at")
