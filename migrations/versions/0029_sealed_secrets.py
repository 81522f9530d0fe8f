"""Two-factor secrets sealed at rest with a key derived from SECRET_KEY.

Revision ID: 0029
Revises: 0028

- `users.totp_secret` widens to 255 characters (a sealed secret is about 150) and every
  plaintext one is sealed with the SECRET_KEY of the app running the migration
  (`app.services.secret_box`, which also reads a plaintext one until then). The downgrade
  opens them again (under the same SECRET_KEY).
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.services import secret_box

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# The purpose `app.services.two_factor` seals its secrets for (their key depends on it).
PURPOSE = "totp secret"
ROWS = sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
STORE = sa.text("UPDATE users SET totp_secret = :value WHERE id = :id")


def upgrade() -> None:
    op.alter_column(
        "users", "totp_secret", type_=sa.String(255), existing_type=sa.String(64)
    )
    key = current_app.config["SECRET_KEY"]
    connection = op.get_bind()
    for row in connection.execute(ROWS).all():
        if not secret_box.is_sealed(row.totp_secret):
            value = secret_box.seal(row.totp_secret, PURPOSE, key)
            connection.execute(STORE, {"id": row.id, "value": value})


def downgrade() -> None:
    key = current_app.config["SECRET_KEY"]
    connection = op.get_bind()
    for row in connection.execute(ROWS).all():
        try:
            value = secret_box.unseal(row.totp_secret, PURPOSE, key)
        except secret_box.Unreadable:
            value = None  # sealed under another key: that user sets it up again
        connection.execute(STORE, {"id": row.id, "value": value})
    op.alter_column(
        "users", "totp_secret", type_=sa.String(64), existing_type=sa.String(255)
    )
