"""The ``turns`` command."""

from __future__ import annotations

import typer

from turns.cli.lazy import lazy_group

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    cls=lazy_group(
        groups={"db": "turns.cli.db", "users": "turns.cli.users", "monitor": "turns.cli.monitor"},
        commands={
            "serve": "turns.cli.serve",
            "up": "turns.cli.serve",
            "import": "turns.cli.imports",
            "worker": "turns.cli.worker",
            "sync": "turns.cli.sync",
        },
    ),
)


@app.callback()
def turns() -> None:
    """Turns: unit turns for rental operators."""


def main() -> None:
    app()
