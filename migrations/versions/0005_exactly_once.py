"""Exactly once at the webhook edge: one status callback per message and status.

Revision ID: 0005
Revises: 0004

- `ux_status_callbacks_sid_status`: Twilio retries a callback that got no 2xx (with the same
  `I-Twilio-Idempotency-Token`) and may send a status twice; a replay now adds no row and
  changes nothing. Rows that replays added before are removed, keeping the first. It
  replaces the index on `message_sid` alone.
- `ix_status_callbacks_orphans`: the recent callbacks no invitation owns yet, which the
  sweep links once their SID is recorded (a callback whose transaction straddled the
  commit of the SID).
- `inbound_messages.rsvp`: the answer read from a reply. A reply to an invitation whose
  SID is not recorded yet (its send's outcome is still unknown) waits, unapplied, until the
  SID is recorded; `ix_inbound_messages_awaiting` finds those.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


RSVP = sa.Enum(
    "confirmed", "declined", "maybe", name="rsvp", native_enum=False, create_constraint=True, length=20
)


def upgrade() -> None:
    """Apply the change."""
    op.add_column("inbound_messages", sa.Column("rsvp", RSVP, nullable=True))
    op.create_index(
        "ix_inbound_messages_awaiting",
        "inbound_messages",
        ["replied_message_sid"],
        postgresql_where=sa.text("kind = 'rsvp' AND event_id IS NULL"),
    )
    op.execute("""
        DELETE FROM status_callbacks AS later USING status_callbacks AS first
        WHERE later.message_sid = first.message_sid AND later.raw_status = first.raw_status
          AND later.id > first.id
    """)
    op.create_index(
        "ux_status_callbacks_sid_status",
        "status_callbacks",
        ["message_sid", "raw_status"],
        unique=True,
    )
    op.drop_index("ix_status_callbacks_message_sid", table_name="status_callbacks")
    op.create_index(
        "ix_status_callbacks_orphans",
        "status_callbacks",
        ["received_at"],
        postgresql_where=sa.text("invitation_id IS NULL"),
    )


def downgrade() -> None:
    """Revert the change (the removed replays are not restored)."""
    op.drop_index("ix_inbound_messages_awaiting", table_name="inbound_messages")
    op.drop_column("inbound_messages", "rsvp")
    op.drop_index("ix_status_callbacks_orphans", table_name="status_callbacks")
    op.create_index("ix_status_callbacks_message_sid", "status_callbacks", ["message_sid"])
    op.drop_index("ux_status_callbacks_sid_status", table_name="status_callbacks")
