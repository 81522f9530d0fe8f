"""The Alembic migrations: upgrade an empty database, match the models, downgrade cleanly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from app.models import DATABASE_ONLY_INDEXES
from tests.support.database import dispose_engines
from tests.support.services import ServiceUrls, scratch_database

EXPECTED_TABLES = {
    "alembic_version",
    "answers",
    "api_tokens",
    "approvals",
    "audit_log",
    "button_contents",
    "campaigns",
    "checkins",
    "events",
    "guest_tallies",
    "guests",
    "inbound_messages",
    "invites",
    "invitation_tallies",
    "invitations",
    "message_attempts",
    "message_templates",
    "offers",
    "opt_outs",
    "questions",
    "recovery_codes",
    "rsvp_responses",
    "status_callbacks",
    "template_images",
    "users",
}


def skip_database_only(obj: object, name: str, type_: str, *_: object) -> bool:
    """Compare everything but the indexes only some servers can have."""
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


def test_upgrade_matches_models_and_downgrade_empties(
    services: ServiceUrls, test_env: dict[str, str]
) -> None:
    with scratch_database(services.database_url.replace("+psycopg2", "")) as url:
        app = create_app({**test_env, "DATABASE_URL": url})
        with app.app_context():
            upgrade()
            assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"include_object": skip_database_only}
                )
                diff = compare_metadata(context, db.metadata)
            assert diff == []
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
            upgrade()  # and back up again: downgrade left nothing behind
            assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES
            dispose_engines()


def test_every_state_column_checks_exactly_its_enum(app: Flask) -> None:
    """The CHECK constraints the migrations wrote match the enums (a new kind or state needs
    a migration; without one, this fails rather than the first insert in production)."""
    checked = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                enum = getattr(column.type, "enum_class", None)
                if enum is None:
                    continue
                name = f"ck_{table.name}_{column.type.name}"  # type: ignore[attr-defined]
                definition = connection.execute(
                    text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n"),
                    {"n": name},
                ).scalar_one()
                checked[name] = set(re.findall(r"'([^']*)'", definition))
                assert checked[name] == {member.value for member in enum}, name
    assert "ck_campaigns_campaignstate" in checked and "ck_invitations_messagekind" in checked


@pytest.mark.slow
def test_release_command_runs_the_migrations(
    services: ServiceUrls, test_env: dict[str, str]
) -> None:
    with scratch_database(services.database_url.replace("+psycopg2", "")) as url:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            env={
                **os.environ,
                **test_env,
                "DATABASE_URL": url.replace("postgresql", "postgres", 1),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        app = create_app({**test_env, "DATABASE_URL": url})
        with app.app_context():
            assert "invitations" in inspect(db.engine).get_table_names()
            dispose_engines()
