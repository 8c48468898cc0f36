"""``turns sync``: the sync engine in a process of its own."""

from __future__ import annotations

import asyncio

import typer

from turns.cli.background import run_until_signalled
from turns.cli.common import fail, settings
from turns.config import Settings
from turns.db.engines import Database
from turns.sync.channel import EngineServer, socket_path
from turns.sync.engine import engine_for

app = typer.Typer()


@app.command("sync")
def sync() -> None:
    """Keep the shape logs in step with the database until interrupted, for API workers started
    with TURNS_SYNC_REMOTE=true on this machine (`turns serve --workers N` starts both)."""
    s = settings()
    if not s.sync or s.electric_url:
        fail("sync is off here (TURNS_SYNC=false, or ELECTRIC_URL names the Electric service that syncs)")
    run_until_signalled(4, _follow)


async def _follow(settings: Settings, database: Database, stop: asyncio.Event) -> None:
    engine = engine_for(database, settings)
    server = EngineServer(engine, socket_path(engine.options.folder))
    await asyncio.gather(engine.run(stop), server.run(stop))
