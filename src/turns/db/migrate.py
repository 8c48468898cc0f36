"""Apply, inspect and roll back the schema migrations.

Alembic is imported when a migration is run or looked at, not with this module: the API's
processes import it for their readiness check, and Alembic's import is a tenth of their start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "turns.db:migrations")
    config.attributes["url"] = url
    return config


def upgrade(owner_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(owner_url), revision)


def downgrade(owner_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(owner_url), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    """The revision a database is at (None when it was never migrated)."""
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
