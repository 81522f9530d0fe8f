"""Session contents with buttons (how many are coming, a choice), one per distinct content,
and the replies that carry one (`invitations.content_key`).

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "button_contents",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("request", postgresql.JSONB(), nullable=False),
        sa.Column("content_sid", sa.String(34), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_button_contents")),
    )
    op.add_column("invitations", sa.Column("content_key", sa.String(64), nullable=True))
    op.create_foreign_key(
        op.f("fk_invitations_content_key_button_contents"),
        "invitations",
        "button_contents",
        ["content_key"],
        ["key"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_invitations_content_key_button_contents"), "invitations", type_="foreignkey"
    )
    op.drop_column("invitations", "content_key")
    op.drop_table("button_contents")
