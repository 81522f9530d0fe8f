"""Passes and check-ins: the guest's pass at the door, and who came in.

Revision ID: 0017
Revises: 0016

- `guests.pass_code`: the code of the guest's pass (in its QR code and written beside it),
  unique; NULL until a yes gives them one, replaced (the old one void) when their party
  changes or they decline and say yes again.
- `checkins`: people of a guest's party let in by one scan, typed code or name search, with
  who and which device, the device's own id for the scan (`client_id`, unique: a scan queued
  offline and sent twice is one check-in) and when it was scanned.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("guests", sa.Column("pass_code", sa.String(16), nullable=True))
    op.create_unique_constraint(op.f("uq_guests_pass_code"), "guests", ["pass_code"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("pass_code", sa.String(16), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(64), nullable=True),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("people BETWEEN 1 AND 100", name=op.f("ck_checkins_people")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_checkins_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guests.id"], name=op.f("fk_checkins_guest_id_guests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkins_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("client_id", name=op.f("uq_checkins_client_id")),
    )
    op.create_index("ix_checkins_guest", "checkins", ["guest_id", "id"])
    op.create_index("ix_checkins_event", "checkins", ["event_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_checkins_event", table_name="checkins")
    op.drop_index("ix_checkins_guest", table_name="checkins")
    op.drop_table("checkins")
    op.drop_constraint(op.f("uq_guests_pass_code"), "guests", type_="unique")
    op.drop_column("guests", "pass_code")
