"""``turns users``: user administration from the command line (acts as the system user)."""

from __future__ import annotations

import secrets
from uuid import UUID

import psycopg
import typer
from psycopg import errors

from turns.access.actions import is_vendor
from turns.access.roles import ROLES
from turns.auth.passwords import WeakPassword, check_new_password, hash_password
from turns.cli.common import clear_errors, fail, urls
from turns.db.context import SET_CONTEXT_SQL, system_actor

app = typer.Typer(no_args_is_help=True, help="Manage users.")


@app.command("create")
def create(
    email: str = typer.Option(..., help="Login e-mail (stored in lower case)."),
    role: str = typer.Option(..., help="One of: " + ", ".join(ROLES)),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, help="At least 10 characters, not a common or easily guessed one."
    ),
    first_name: str | None = typer.Option(None),
    last_name: str | None = typer.Option(None),
    vendor_id: UUID | None = typer.Option(None, help="The vendor company of a VENDOR user."),
) -> None:
    """Create a user who can log in."""
    role = role.upper()
    if role not in ROLES:
        fail(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if is_vendor(role) != (vendor_id is not None):
        fail("a VENDOR user needs --vendor-id, and only a VENDOR user may have one")
    try:
        check_new_password(password, personal=(email, first_name, last_name))
    except WeakPassword as exc:
        fail(str(exc))
    password_hash = hash_password(password)
    with clear_errors(), psycopg.connect(urls().app) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("cli").params())
        try:
            row = conn.execute(
                "INSERT INTO users (email, password_hash, first_name, last_name, role, vendor_id)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (email, password_hash, first_name, last_name, role, vendor_id),
            ).fetchone()
        except errors.UniqueViolation:
            fail(f"a user with the e-mail {email.lower()!r} already exists")
        except errors.CheckViolation:
            fail(f"{email!r} is not a valid e-mail address")
        except errors.ForeignKeyViolation:
            fail(f"no vendor has the id {vendor_id}")
        assert row is not None
    typer.echo(f"created {role} {email.lower()} ({row[0]})")


@app.command("reset-password")
def reset_password(email: str = typer.Argument(..., help="The user's login e-mail.")) -> None:
    """Give a user a new generated password (printed once) and end their sessions."""
    password = secrets.token_urlsafe(12)
    with clear_errors(), psycopg.connect(urls().app) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("cli").params())
        # A new password hash ends every session of the user (trigger end_users_sessions).
        row = conn.execute(
            "UPDATE users SET password_hash = %s WHERE email = lower(btrim(%s)) RETURNING email, is_active",
            (hash_password(password), email),
        ).fetchone()
    if row is None:
        fail(f"no user has the e-mail {email.strip().lower()!r} (`turns users create` makes one)")
    typer.echo(f"new password for {row[0]}: {password}")
    typer.echo("their sessions have ended; the password is shown only this once.")
    if not row[1]:
        typer.echo("this user is deactivated: they cannot sign in until an admin activates them.")
