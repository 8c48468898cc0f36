"""The three database roles Turns relies on, and the SQL that creates them.

- ``turns_owner`` owns the schema and runs migrations (on Neon: the project's
  owner role named in ``DATABASE_URL``);
- ``turns_app`` is the API's login: not an owner, no ``BYPASSRLS``, only the
  grants the migrations give it, so every query it runs is filtered by RLS;
- ``turns_replication`` streams changes for sync (``REPLICATION``, ``SELECT``
  on the synced tables).
"""

from __future__ import annotations

from psycopg import sql

OWNER = "turns_owner"
APP = "turns_app"
REPLICATION = "turns_replication"
DATABASE = "turns"


def _upsert_role(name: str, password: str | None, attributes: str) -> sql.Composed:
    """A statement that creates ``name`` or brings an existing role to ``attributes``."""
    login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("NOLOGIN")
    body = sql.SQL(
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name_lit}) THEN "
        "CREATE ROLE {name} {login} {attrs}; "
        "ELSE ALTER ROLE {name} {login} {attrs}; END IF;"
    ).format(
        name_lit=sql.Literal(name),
        name=sql.Identifier(name),
        login=login,
        attrs=sql.SQL(attributes),
    )
    return sql.SQL("DO $roles$ BEGIN {} END $roles$").format(body)


def owner_statement(password: str) -> sql.Composed:
    return _upsert_role(OWNER, password, "CREATEROLE NOSUPERUSER NOBYPASSRLS")


def app_statement(password: str | None) -> sql.Composed:
    return _upsert_role(APP, password, "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION")


def replication_statement(password: str | None) -> sql.Composed:
    return _upsert_role(REPLICATION, password, "REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE")
