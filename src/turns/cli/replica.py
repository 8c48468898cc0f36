"""``turns db replica``: a local streaming standby of the embedded server, to try the read path."""

from __future__ import annotations

import typer

from turns.cli.common import clear_errors, fail, settings, urls
from turns.db.standby import Standby
from turns.db.urls import embedded_server
from turns.monitoring.replicas import report

app = typer.Typer(no_args_is_help=True, help="A local read replica (streaming standby) of the embedded server.")


def _standby() -> Standby:
    s = settings()
    if not s.embedded:
        fail("DATABASE_URL is set: use your provider's read replica (NEON_READ_REPLICA_URL)")
    return Standby(embedded_server(s))


@app.command("create")
def create_cmd() -> None:
    """Copy the running embedded server with pg_basebackup and start the copy as a standby."""
    standby = _standby()
    with clear_errors():
        urls()  # the primary runs, with its roles (the replication login among them)
        standby.create()
        standby.start()
    typer.echo(f"standby running on port {standby.server.info().port}; `turns serve` now reads from it")


@app.command("start")
def start_cmd() -> None:
    """Start the standby."""
    standby = _standby()
    with clear_errors():
        standby.start()
    typer.echo(f"standby running on port {standby.server.info().port}")


@app.command("stop")
def stop_cmd() -> None:
    """Stop the standby (reads go back to the primary)."""
    stopped = _standby().stop()
    typer.echo("standby stopped" if stopped else "standby was not running")


@app.command("status")
def status_cmd() -> None:
    """Whether the standby exists and runs, and how far its replay is behind the primary."""
    with clear_errors():
        status = _standby().status()
    if not status.created:
        typer.echo("no standby: create one with `turns db replica create`")
        raise typer.Exit(1)
    if not status.running:
        typer.echo(f"standby stopped (port {status.port})")
        raise typer.Exit(1)
    paused = " (replay paused)" if status.replay_paused else ""
    lag = "unknown" if status.lag_bytes is None else f"{status.lag_bytes} bytes"
    typer.echo(f"standby running on port {status.port}: replayed up to {status.replay_lsn}, lag {lag}{paused}")


# ``turns monitor replicas``: registered on the ``monitor`` group (turns.cli.monitor).
def replicas_cmd(
    metrics_url: str | None = typer.Option(
        None, "--metrics-url", help="The API's Prometheus endpoint, for where its reads went."
    ),
) -> None:
    """The read replica's health and lag, and how the API routed its reads."""
    with clear_errors():
        result = report(urls(), metrics_url)
    for line in result.lines():
        typer.echo(line)
    if result.configured and result.health is not None and not result.health.healthy:
        raise typer.Exit(1)
