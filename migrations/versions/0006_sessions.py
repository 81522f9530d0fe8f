"""Sessions you can end: a per-user session version in every session and remember cookie.

Revision ID: 0006
Revises: 0005

Rotating `users.session_version` (sign-out, "sign out everywhere", a new password,
`create-admin`) makes every session and remember cookie issued before it invalid.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the session version, 0 for existing users."""
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    """Drop the session version."""
    op.drop_column("users", "session_version")
