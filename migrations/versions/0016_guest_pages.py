"""Guest pages: each guest's own page and calendar entry, and where the event is.

Revision ID: 0016
Revises: 0015

- `guests.page_token`: the unguessable part of the guest's page URL (`/e/<token>`, its
  `.ics` beside it): 64 hex digits from two random UUIDs (244 random bits), made by the
  database for every guest, new or old. `uq_guests_page_token` indexes its SHA-256, so a
  page is found without comparing the secret itself in the index (the service compares it
  in constant time).
- `events.latitude`, `events.longitude`: where the venue is, for a map link (degrees).
- `events.calendar_sequence`: the calendar entry's `SEQUENCE`, raised when the start, zone
  or venue changes, so calendars move the entry they hold.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NEW_TOKEN = "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"


def upgrade() -> None:
    op.add_column(
        "guests",
        sa.Column("page_token", sa.Text(), server_default=sa.text(NEW_TOKEN), nullable=False),
    )
    op.create_index(
        "uq_guests_page_token", "guests", [sa.text("sha256(page_token::bytea)")], unique=True
    )
    op.add_column("events", sa.Column("latitude", sa.Numeric(9, 6), nullable=True))
    op.add_column("events", sa.Column("longitude", sa.Numeric(9, 6), nullable=True))
    op.create_check_constraint(
        op.f("ck_events_latitude"), "events", sa.text("latitude BETWEEN -90 AND 90")
    )
    op.create_check_constraint(
        op.f("ck_events_longitude"), "events", sa.text("longitude BETWEEN -180 AND 180")
    )
    op.add_column(
        "events",
        sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("events", "calendar_sequence")
    op.drop_constraint(op.f("ck_events_longitude"), "events", type_="check")
    op.drop_constraint(op.f("ck_events_latitude"), "events", type_="check")
    op.drop_column("events", "longitude")
    op.drop_column("events", "latitude")
    op.drop_index("uq_guests_page_token", table_name="guests")
    op.drop_column("guests", "page_token")
