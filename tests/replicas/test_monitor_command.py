"""``turns monitor replicas``: the replica's lag, and where the API's reads went."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from prometheus_client import start_http_server
from typer.testing import CliRunner

from tests.fixtures.replica import ON_ONE_WORKER, ReplicaCluster
from turns.cli.replica import replicas_cmd
from turns.db.embedded import free_port
from turns.db.urls import DatabaseUrls
from turns.replicas import metrics

pytestmark = ON_ONE_WORKER


@pytest.fixture
def monitor_cli(replica_db: DatabaseUrls, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    assert replica_db.replica is not None
    monkeypatch.setenv("DATABASE_URL", replica_db.owner)
    monkeypatch.setenv("DATABASE_POOLED_URL", replica_db.app)
    monkeypatch.setenv("NEON_READ_REPLICA_URL", replica_db.replica)
    cli = typer.Typer()
    cli.command("replicas")(replicas_cmd)  # as the `monitor` group registers it
    cli.command("other")(lambda: None)  # keep `replicas` a subcommand
    return cli


@pytest.fixture
def metrics_url() -> Iterator[str]:
    """This process's Prometheus metrics over HTTP, as an API process serves them."""
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def report_lines(output: str) -> list[str]:
    """The command's own lines (log lines of the health monitor are left out)."""
    return [line for line in output.splitlines() if line.startswith(("replica:", "lag:", "routing", "  "))]


def test_shows_lag_and_routing(monitor_cli: typer.Typer, metrics_url: str, replica_cluster: ReplicaCluster) -> None:
    replica_cluster.wait_caught_up()
    metrics.route("replica", "healthy")
    replica_healthy = metrics.routes()[("replica", "healthy")]
    result = CliRunner().invoke(monitor_cli, ["replicas", "--metrics-url", metrics_url])
    assert result.exit_code == 0, result.output
    lines = report_lines(result.output)
    assert lines[0].startswith("replica: healthy")
    assert lines[1].startswith("lag: ") and lines[1].endswith(" s")
    assert lines[2] == "routing (reads since the API started):"
    assert f"  {'replica':<8} {'healthy':<26} {replica_healthy:>10.0f}" in lines


def test_unhealthy_replica_exits_1(monitor_cli: typer.Typer, replica_cluster: ReplicaCluster) -> None:
    replica_cluster.standby.stop()
    result = CliRunner().invoke(monitor_cli, ["replicas", "--metrics-url", f"http://127.0.0.1:{free_port()}/metrics"])
    assert result.exit_code == 1
    lines = report_lines(result.output)
    assert lines[0] == "replica: unhealthy (unreachable: OperationalError)"
    assert lines[2].startswith("routing: unknown (")
