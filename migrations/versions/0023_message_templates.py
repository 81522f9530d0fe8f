"""The organiser's own templates, submitted to WhatsApp through the Content API.

Revision ID: 0023
Revises: 0022

- `template_images`: header images, served at `/media/<token>` (the token unguessable).
- `message_templates`: one per kind of message and language: the organiser's text, buttons
  and header image, the Content SID submitted and its approval status, and the last
  approved content the engine sends (`approved_sid`, `approved_variables`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

STATUSES = ("submitting", "pending", "approved", "rejected", "failed")


def upgrade() -> None:
    op.create_table(
        "template_images",
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_template_images")),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("buttons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("image_token", sa.String(length=43), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="templatestatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("content_sid", sa.String(length=34), nullable=True),
        sa.Column("variables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("approved_sid", sa.String(length=34), nullable=True),
        sa.Column("approved_variables", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["image_token"],
            ["template_images.token"],
            name=op.f("fk_message_templates_image_token_template_images"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("kind", "language", name=op.f("uq_message_templates_kind_language")),
    )


def downgrade() -> None:
    op.drop_table("message_templates")
    op.drop_table("template_images")
