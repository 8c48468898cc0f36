"""The ``turns`` command."""

from __future__ import annotations

import typer

from turns.cli import db, imports, monitor, serve, users, worker

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Turns: unit turns for rental operators.")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(monitor.app, name="monitor")
serve.register(app)
imports.register(app)
worker.register(app)


def main() -> None:
    app()
