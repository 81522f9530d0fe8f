"""Questions: what an event asks the guests who say yes, and their answers.

Revision ID: 0015
Revises: 0014

- `questions`: an event's questions in order (`position` from 1, at most 20), each a
  `text`, `choice` or `choices` question worded per language (`wording`, `{"en": ...}`) with
  its choices (`choices`, a list of such wordings; empty for a text question).
- `answers`: one row per guest and question once it was asked: the answer (`text`, or the
  chosen `choices` numbered from 1), how often it was asked (at most twice) and when.
- `guests.asking_question_id`: the question the guest was asked last and has not answered;
  `ix_guests_asking` finds it by the sender's number on each inbound message.
- `inbound_messages.kind` gains `answer`: a message that answered a question.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def inbound_kinds(allowed: tuple[str, ...]) -> None:
    """Replace the CHECK constraint listing the kinds of inbound message."""
    op.drop_constraint(op.f("ck_inbound_messages_inboundkind"), "inbound_messages", type_="check")
    op.create_check_constraint(
        op.f("ck_inbound_messages_inboundkind"), "inbound_messages", sa.text(f"kind IN {allowed}")
    )


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "text",
                "choice",
                "choices",
                name="questionkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("wording", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "choices",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("position BETWEEN 1 AND 20", name=op.f("ck_questions_position")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_questions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("event_id", "position", name=op.f("uq_questions_event_id_position")),
    )
    op.create_table(
        "answers",
        sa.Column("guest_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("choices", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("asks", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("asks BETWEEN 0 AND 2", name=op.f("ck_answers_asks")),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guests.id"], name=op.f("fk_answers_guest_id_guests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answers_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_answers_inbound_message_id_inbound_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("guest_id", "question_id", name=op.f("pk_answers")),
    )
    op.create_index(
        "ix_answers_question",
        "answers",
        ["question_id"],
        postgresql_where=sa.text("answered_at IS NOT NULL"),
    )
    op.add_column("guests", sa.Column("asking_question_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_guests_asking_question_id_questions"),
        "guests",
        "questions",
        ["asking_question_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_guests_asking",
        "guests",
        ["phone"],
        postgresql_where=sa.text("asking_question_id IS NOT NULL"),
    )
    inbound_kinds(("rsvp", "optout", "optin", "text", "answer"))


def downgrade() -> None:
    op.execute("UPDATE inbound_messages SET kind = 'text' WHERE kind = 'answer'")
    inbound_kinds(("rsvp", "optout", "optin", "text"))
    op.drop_index("ix_guests_asking", table_name="guests")
    op.drop_constraint(op.f("fk_guests_asking_question_id_questions"), "guests", type_="foreignkey")
    op.drop_column("guests", "asking_question_id")
    op.drop_index("ix_answers_question", table_name="answers")
    op.drop_table("answers")
    op.drop_table("questions")
