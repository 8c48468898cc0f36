"""``turns db backup|backups|check-backups|restore|branch``: the same commands on the embedded server and on Neon.

With ``NEON_API_KEY`` and ``NEON_PROJECT_ID`` set, branches and restores are Neon
branches (Neon keeps the history itself, so there is nothing to back up); otherwise
they work on the embedded server's Barman backups (``turns.db.backups``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from turns.cli.common import clear_errors, fail, settings, urls
from turns.db import neon
from turns.db.backups import Backups
from turns.db.branches import Branches
from turns.db.cloud_backups import CloudBackups
from turns.db.embedded import EmbeddedPostgres
from turns.db.urls import embedded_server, embedded_urls

branch_app = typer.Typer(no_args_is_help=True, help="Writable copies of the database, now or at a past time.")
console = Console(stderr=True)


def parse_time(value: str) -> datetime:
    """An ISO-like time (``2026-12-06 10:15``); without a zone it is the machine's local time."""
    try:
        return datetime.fromisoformat(value).astimezone()
    except ValueError:
        fail(f"not a time: {value!r} (use e.g. '2026-12-06 10:15' or '2026-12-06T10:15:00+00:00')")


@contextlib.contextmanager
def _step(message: str) -> Iterator[None]:
    with console.status(message), clear_errors():
        try:
            yield
        except neon.NeonError as exc:
            fail(str(exc))
    console.print(f"{message}: done")


def _backups() -> Backups:
    s = settings()
    if not s.embedded:
        fail("DATABASE_URL is set: back up with your provider (on Neon, set NEON_API_KEY and NEON_PROJECT_ID)")
    if s.backup_bucket:
        with clear_errors():
            return CloudBackups(embedded_server(s), s.backup_bucket, s.data_dir / "backups-s3")
    return Backups(embedded_server(s), s.backup_dir or s.data_dir / "backups")


def _print_urls(server: EmbeddedPostgres) -> None:
    resolved = embedded_urls(server)
    typer.echo(f"DATABASE_URL={resolved.owner}")
    typer.echo(f"DATABASE_POOLED_URL={resolved.app}")
    typer.echo(f"TURNS_DATA_DIR={server.data_dir}")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


app = typer.Typer()


@app.command("backup")
def backup_cmd() -> None:
    """Take a base backup now (and turn on continuous WAL archiving the first time)."""
    if neon.configured():
        typer.echo("on Neon the history is kept by the platform: nothing to back up (see `turns db restore`)")
        return
    backups = _backups()
    urls()
    with _step(f"base backup into {backups.where}"):
        taken = backups.backup()
    typer.echo(f"backup {taken.backup_id}: {_size(taken.size_bytes)}, ended {taken.end.isoformat()}")


@app.command("backups")
def backups_cmd() -> None:
    """List the backups, their sizes and the time range a restore can reach."""
    if neon.configured():
        fail("on Neon, the restorable range is the project's history window (Neon's console, Settings)")
    backups = _backups()
    with clear_errors():
        catalogue = backups.catalogue()
    typer.echo(f"{'backup':<18}{'ended':<28}{'size':>12}{'wal':>12}  status")
    for item in catalogue.backups:
        size, wal = _size(item.size_bytes), _size(item.wal_bytes)
        typer.echo(
            f"{item.backup_id:<18}{item.end.isoformat(timespec='seconds'):<28}{size:>12}{wal:>12}  {item.status}"
        )
    if catalogue.restorable_from is None or catalogue.restorable_to is None:
        fail(f"no complete backup in {backups.where}")
    typer.echo(f"restorable from {catalogue.restorable_from.isoformat()} to {catalogue.restorable_to.isoformat()}")


@app.command("check-backups")
def check_cmd() -> None:
    """Restore the newest backup into a scratch folder, start it and query it; fail loudly otherwise."""
    backups = _backups()
    urls()
    scratch = Path(tempfile.mkdtemp(prefix="check-", dir=backups.server.data_dir))
    with _step("restoring the newest backup into a scratch folder"):
        count = backups.check(scratch)
    typer.echo(f"backups OK: the newest restores and starts ({count} turns)")


@app.command("restore")
def restore_cmd(
    to: str = typer.Option(None, "--to", help="The time to restore to; the newest archived WAL when omitted."),
    into: Path = typer.Option(None, "--into", help="A new data directory (default: <data dir>/restores/<time>)."),
    switch: bool = typer.Option(False, "--switch", help="Replace the current data directory with the restored one."),
) -> None:
    """Restore into a NEW data directory and start it on a free port; the current one stays untouched."""
    target = parse_time(to) if to else None
    if neon.configured():
        if switch:
            fail("--switch is not done on Neon: point DATABASE_URL at the printed URLs instead")
        name = f"restore-{(target or datetime.now().astimezone()).strftime('%Y%m%d-%H%M%S')}"
        with _step(f"Neon branch {name}"):
            created = neon.Neon.from_env().create(name, target)
        for line in created.lines():
            typer.echo(line)
        return
    backups = _backups()
    stamp = (target or datetime.now().astimezone()).strftime("%Y%m%dT%H%M%S")
    into = (into or backups.server.data_dir / "restores" / stamp).resolve()
    with _step(f"restoring to {target.isoformat() if target else 'the newest archived WAL'} into {into}"):
        restored = backups.restore(into, target)
    if switch:
        with _step(f"switching {backups.server.data_dir} to the restored copy and backing it up"):
            _switch(backups, restored)
        restored = backups.server
    _print_urls(restored)


@branch_app.command("create")
def branch_create(
    name: str,
    at: str = typer.Option(None, "--at", help="A past time (from the backups); now when omitted."),
) -> None:
    """A writable copy of the database on its own port, with its connection URLs."""
    when = parse_time(at) if at else None
    if neon.configured():
        with _step(f"Neon branch {name}"):
            created = neon.Neon.from_env().create(name, when)
        for line in created.lines():
            typer.echo(line)
        return
    backups = _backups()
    urls()
    with _step(f"branch {name}"):
        branch = Branches(backups.server).create(name, backups, when)
    _print_urls(branch.server)
    typer.echo(f"run Turns on it: turns up --branch {name}")


@branch_app.command("list")
def branch_list() -> None:
    """The branches, with their state and port."""
    if neon.configured():
        with clear_errors():
            try:
                found = neon.Neon.from_env().list()
            except neon.NeonError as exc:
                fail(str(exc))
        for item in found:
            typer.echo(f"{item.name:<32}{item.branch_id:<28}{item.state:<10}{item.created_at}")
        return
    for branch in Branches(_backups().server).list():
        state = "running" if branch.running else "stopped"
        typer.echo(f"{branch.name:<32}{state:<10}port {branch.server.info().port}")


@branch_app.command("delete")
def branch_delete(name: str) -> None:
    """Stop a branch and delete its data (on Neon: delete the Neon branch)."""
    if neon.configured():
        with _step(f"deleting Neon branch {name}"):
            neon.Neon.from_env().delete(name)
        return
    with _step(f"deleting branch {name}"):
        Branches(_backups().server).delete(name)


def _switch(backups: Backups, restored: EmbeddedPostgres) -> None:
    kept = backups.switch(restored)
    typer.echo(f"previous data kept in {kept}")
    taken = backups.backup()
    typer.echo(f"backup {taken.backup_id} taken of the restored data: restores reach from here on")


def branch_data_dir(name: str) -> Path:
    """The data directory ``turns up --branch NAME`` runs on."""
    s = settings()
    with clear_errors():
        branch = Branches(EmbeddedPostgres(s.data_dir)).get(name)
    return branch.server.data_dir
