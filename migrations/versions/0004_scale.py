"""Campaigns at any size: a paused send state, due-path and lease indexes, tallies, trigram search.

Revision ID: 0004
Revises: 0003

- `paused`: the pending invitations of a paused campaign leave `ix_invitations_due`, so
  claims and next-due never walk them.
- `ix_invitations_sending` serves lease expiry (next due, stale scans) from the few rows in
  `sending`; `ix_invitations_accepted` the pre-flight's 24-hour count; the old
  `ix_invitations_claimable` served nothing any more.
- `invitation_tallies`: counts of invitations per (event, campaign, send state, delivery
  status, RSVP, error code), appended as deltas by statement-level triggers and compacted
  by the worker's sweep; progress, stats and pre-flight read them instead of counting rows.
- `guest_tallies`: the number of guests per event, kept the same way by triggers on guests.
- `campaigns.progressed_at`: when the campaign last settled an invitation (a stuck campaign
  shows on /ready).
- `pg_trgm` indexes for guest search by name or phone, where the server has the extension
  (the embedded PostgreSQL of the local run does not: search still works, by a scan).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEND_STATES_BEFORE = ("pending", "sending", "accepted", "failed", "canceled")
SEND_STATES = (*SEND_STATES_BEFORE, "paused")
TALLY_KEY = "event_id, campaign_id, send_state, delivery_status, rsvp, error_code"

TALLY_FUNCTIONS = {
    "INSERT": f"""
        INSERT INTO invitation_tallies ({TALLY_KEY}, n)
        SELECT {TALLY_KEY}, count(*) FROM new_rows GROUP BY {TALLY_KEY};""",
    "DELETE": f"""
        INSERT INTO invitation_tallies ({TALLY_KEY}, n)
        SELECT {TALLY_KEY}, -count(*) FROM old_rows GROUP BY {TALLY_KEY};""",
    "UPDATE": f"""
        INSERT INTO invitation_tallies ({TALLY_KEY}, n)
        SELECT {TALLY_KEY}, sum(n) FROM (
            SELECT {TALLY_KEY}, 1 AS n FROM new_rows
            UNION ALL
            SELECT {TALLY_KEY}, -1 AS n FROM old_rows) AS moved
        GROUP BY {TALLY_KEY} HAVING sum(n) <> 0;""",
}
GUEST_TALLY_FUNCTIONS = {
    "INSERT": """
        INSERT INTO guest_tallies (event_id, n)
        SELECT event_id, count(*) FROM new_rows GROUP BY event_id;""",
    "DELETE": """
        INSERT INTO guest_tallies (event_id, n)
        SELECT event_id, -count(*) FROM old_rows GROUP BY event_id;""",
}
TRANSITION = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
TRANSITION["UPDATE"] = "NEW TABLE AS new_rows OLD TABLE AS old_rows"
TRIGRAM_INDEXES = {"ix_guests_name_trgm": "name", "ix_guests_phone_trgm": "phone"}


def upgrade() -> None:
    """Apply the change."""
    _send_states(SEND_STATES)
    op.execute("""
        UPDATE invitations AS i SET send_state = 'paused'
        FROM campaigns AS c
        WHERE c.id = i.campaign_id AND c.state = 'paused' AND i.send_state = 'pending'
    """)
    op.drop_index("ix_invitations_claimable", table_name="invitations")
    op.create_index(
        "ix_invitations_sending",
        "invitations",
        ["claimed_until"],
        postgresql_where=sa.text("send_state = 'sending'"),
    )
    op.create_index(
        "ix_invitations_accepted",
        "invitations",
        ["accepted_at"],
        postgresql_where=sa.text("accepted_at IS NOT NULL"),
    )
    op.create_index("ix_guests_event_id", "guests", ["event_id", "id"])
    op.create_index(
        "ix_guests_unreachable",
        "guests",
        ["event_id"],
        postgresql_where=sa.text("unreachable_code IS NOT NULL"),
    )
    _tallies()
    op.add_column(
        "campaigns",
        sa.Column(
            "progressed_at", sa.DateTime(timezone=True), server_default=sa.text("now()")
        ),
    )
    op.execute("UPDATE campaigns SET progressed_at = coalesce(finished_at, created_at)")
    _trigram_indexes()


def downgrade() -> None:
    """Revert the change (paused invitations become pending again)."""
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_column("campaigns", "progressed_at")
    for action in TALLY_FUNCTIONS:
        op.execute(f"DROP TRIGGER tally_{action.lower()} ON invitations")
        op.execute(f"DROP FUNCTION tally_invitations_{action.lower()}()")
    op.drop_table("invitation_tallies")
    for action in GUEST_TALLY_FUNCTIONS:
        op.execute(f"DROP TRIGGER tally_{action.lower()} ON guests")
        op.execute(f"DROP FUNCTION tally_guests_{action.lower()}()")
    op.drop_table("guest_tallies")
    op.drop_index("ix_guests_unreachable", table_name="guests")
    op.drop_index("ix_guests_event_id", table_name="guests")
    op.drop_index("ix_invitations_accepted", table_name="invitations")
    op.drop_index("ix_invitations_sending", table_name="invitations")
    op.create_index(
        "ix_invitations_claimable",
        "invitations",
        ["campaign_id", "next_attempt_at"],
        postgresql_where=sa.text("send_state IN ('pending', 'sending')"),
    )
    op.execute("UPDATE invitations SET send_state = 'pending' WHERE send_state = 'paused'")
    _send_states(SEND_STATES_BEFORE)


def _send_states(states: tuple[str, ...]) -> None:
    """Replace the CHECK constraint listing the send states."""
    op.drop_constraint(op.f("ck_invitations_sendstate"), "invitations", type_="check")
    allowed = ", ".join(f"'{state}'" for state in states)
    op.create_check_constraint(
        op.f("ck_invitations_sendstate"), "invitations", sa.text(f"send_state IN ({allowed})")
    )


def _statement_trigger(table: str, name: str, function: str, action: str, body: str) -> None:
    """A statement-level AFTER trigger running `body` with the statement's transition table."""
    op.execute(f"""
        CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {body}
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE TRIGGER {name} AFTER {action} ON {table}
        REFERENCING {TRANSITION[action]}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""")


def _tallies() -> None:
    """The tally tables, their first totals, and the triggers that keep them."""
    op.create_table(
        "guest_tallies",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_tallies")),
    )
    op.create_index("ix_guest_tallies_event_id", "guest_tallies", ["event_id"])
    op.execute(
        "INSERT INTO guest_tallies (event_id, n) SELECT event_id, count(*) FROM guests"
        " GROUP BY event_id"
    )
    for action, body in GUEST_TALLY_FUNCTIONS.items():
        lower = action.lower()
        _statement_trigger("guests", f"tally_{lower}", f"tally_guests_{lower}", action, body)
    op.create_table(
        "invitation_tallies",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("send_state", sa.String(length=20), nullable=False),
        sa.Column("delivery_status", sa.String(length=20), nullable=True),
        sa.Column("rsvp", sa.String(length=20), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_tallies")),
    )
    op.create_index("ix_invitation_tallies_event_id", "invitation_tallies", ["event_id"])
    op.create_index("ix_invitation_tallies_campaign_id", "invitation_tallies", ["campaign_id"])
    op.execute(f"""
        INSERT INTO invitation_tallies ({TALLY_KEY}, n)
        SELECT {TALLY_KEY}, count(*) FROM invitations GROUP BY {TALLY_KEY}
    """)  # noqa: S608 - constant column list
    for action, body in TALLY_FUNCTIONS.items():
        lower = action.lower()
        _statement_trigger("invitations", f"tally_{lower}", f"tally_invitations_{lower}", action, body)


def _trigram_indexes() -> None:
    """Trigram indexes for guest search, when this server can create `pg_trgm`."""
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:  # no privilege to create it: search scans instead
        return
    for name, column in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON guests USING gin ({column} gin_trgm_ops)")
