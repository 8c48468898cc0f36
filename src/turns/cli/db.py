"""``turns db``: the database's server, schema and data."""

from __future__ import annotations

import os
import shutil

import psycopg
import typer

from turns.cli.common import clear_errors, fail, settings, urls
from turns.cli.lazy import lazy_group
from turns.db import logins, migrate
from turns.db.embedded import wheel_bin_dir
from turns.db.urls import embedded_server

app = typer.Typer(
    no_args_is_help=True,
    help="Database server, migrations and data.",
    cls=lazy_group(
        groups={"replica": "turns.cli.replica", "branch": "turns.cli.backups:branch_app"},
        commands={
            "seed": "turns.cli.seed",
            **{name: "turns.cli.backups" for name in ("backup", "backups", "check-backups", "restore")},
        },
    ),
)

ROLE_CHOICES = ("app", "owner", "replication", "superuser")


@app.command("migrate")
def migrate_cmd(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema (to the newest revision by default)."""
    with clear_errors():
        migrate.upgrade(urls().owner, revision)
    typer.echo(f"schema at {migrate.head_revision() if revision == 'head' else revision}")


@app.command("downgrade")
def downgrade_cmd(revision: str = typer.Argument(..., help="A revision, or 'base' for an empty schema.")) -> None:
    """Downgrade the schema to REVISION."""
    with clear_errors():
        migrate.downgrade(urls().owner, revision)
    typer.echo(f"schema at {revision}")


@app.command("status")
def status_cmd() -> None:
    """Show the server and the schema revision against the code's."""
    s = settings()
    if s.embedded:
        server = embedded_server(s)
        typer.echo(f"embedded server: {'running' if server.is_running() else 'stopped'} ({s.data_dir})")
        if not server.is_running():
            return
    with clear_errors():
        current = migrate.current_revision(urls().owner)
    head = migrate.head_revision()
    typer.echo(f"schema: {current or 'empty'} (code: {head}){'' if current == head else '  -> run `turns db migrate`'}")
    if current != head:
        raise typer.Exit(1)


@app.command("reset")
def reset_cmd(yes: bool = typer.Option(False, "--yes", help="Confirm that all data may be deleted.")) -> None:
    """Delete all data: downgrade to an empty schema and migrate again."""
    if not yes:
        fail("this deletes every row: pass --yes to confirm")
    with clear_errors():
        owner = urls().owner
        migrate.downgrade(owner, "base")
        migrate.upgrade(owner)
    typer.echo("database reset")


def _url_for(role: str) -> str:
    if role not in ROLE_CHOICES:
        fail(f"--role must be one of {', '.join(ROLE_CHOICES)}")
    resolved = urls()
    value = {
        "app": resolved.app,
        "owner": resolved.owner,
        "replication": resolved.replication,
        "superuser": resolved.superuser,
    }[role]
    if value is None:
        fail(f"no {role} URL in this configuration")
    return value


@app.command("url")
def url_cmd(role: str = typer.Option("app", help="app, owner, replication or superuser.")) -> None:
    """Print a connection URL."""
    typer.echo(_url_for(role))


@app.command("psql")
def psql_cmd(role: str = typer.Option("owner", help="app, owner, replication or superuser.")) -> None:
    """Open psql on the database."""
    url = _url_for(role)
    psql = wheel_bin_dir() / "psql"
    if not psql.exists():
        found = shutil.which("psql")
        if found is None:
            fail("no psql found")
        psql = type(psql)(found)
    os.execv(str(psql), [str(psql), url])


@app.command("roles")
def roles_cmd(print_only: bool = typer.Option(False, "--print", help="Print the SQL instead of running it.")) -> None:
    """Create or update the application and replication login roles (for Neon or any server).

    Passwords come from TURNS_APP_PASSWORD and TURNS_REPLICATION_PASSWORD; the SQL runs
    on DATABASE_URL as the owner role.
    """
    s = settings()
    if s.embedded:
        fail("the embedded server creates its roles itself; this command is for DATABASE_URL")
    if not s.app_password or not s.replication_password:
        fail("set TURNS_APP_PASSWORD and TURNS_REPLICATION_PASSWORD")
    statements = [logins.app_statement(s.app_password), logins.replication_statement(s.replication_password)]
    assert s.database_url is not None
    with clear_errors(), psycopg.connect(s.database_url, autocommit=True) as conn:
        for statement in statements:
            if print_only:
                typer.echo(statement.as_string(conn) + ";")
            else:
                conn.execute(statement)
    if not print_only:
        typer.echo(f"roles {logins.APP} and {logins.REPLICATION} are ready")


@app.command("start")
def start_cmd() -> None:
    """Start the embedded server (it keeps running until `turns db stop`)."""
    resolved = urls()
    typer.echo(f"embedded PostgreSQL running: {resolved.owner.split('@')[-1]}")


@app.command("stop")
def stop_cmd() -> None:
    """Stop the embedded server."""
    s = settings()
    if not s.embedded:
        fail("DATABASE_URL is set: there is no embedded server to stop")
    stopped = embedded_server(s).stop()
    typer.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
