"""Command groups whose commands live in modules imported only when one of them runs.

Every start of ``turns`` would otherwise import what every command needs (the web server, the
importer, the backups, the migrations: seconds); ``turns db url`` needs none of it. Help that
lists the commands imports them all, as it must to show their descriptions.
"""

from __future__ import annotations

from importlib import import_module

import typer
from typer import _click as click
from typer.core import TyperGroup


def _typer(where: str) -> typer.Typer:
    module, _, attribute = where.partition(":")
    found = getattr(import_module(module), attribute or "app")
    assert isinstance(found, typer.Typer), where
    return found


def lazy_group(groups: dict[str, str] | None = None, commands: dict[str, str] | None = None) -> type[TyperGroup]:
    """A group class with, besides the commands registered on it, the subgroups ``groups`` (name:
    ``"module[:attribute]"``, a ``typer.Typer``, ``app`` by default) and the ``commands`` (name: the
    module whose ``typer.Typer`` has the command of that name), each imported when first asked for."""
    subgroups, single = dict(groups or {}), dict(commands or {})

    class LazyGroup(TyperGroup):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return [*super().list_commands(ctx), *subgroups, *single]

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            if cmd_name in subgroups:
                group = typer.main.get_group(_typer(subgroups[cmd_name]))
                group.name = cmd_name
                return group
            if cmd_name in single:
                return typer.main.get_group(_typer(single[cmd_name])).commands[cmd_name]
            return super().get_command(ctx, cmd_name)

    return LazyGroup
