"""``turns db replica``: a streaming standby of the embedded server, which the API then reads from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from turns.cli import app
from turns.config import Settings
from turns.db import logins
from turns.db.embedded import EmbeddedPostgres
from turns.db.standby import Standby
from turns.db.urls import resolve


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("DATABASE_URL", "DATABASE_POOLED_URL", "NEON_READ_REPLICA_URL", "ELECTRIC_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNS_DATA_DIR", str(tmp_path))
    yield tmp_path
    primary = EmbeddedPostgres(tmp_path)
    Standby(primary).stop()
    primary.stop()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["db", "replica", *args])
    return result.exit_code, result.output


def test_create_status_stop_start(data_dir: Path) -> None:
    assert run("status") == (1, "no standby: create one with `turns db replica create`\n")
    assert resolve(Settings.from_env()).replica is None

    code, output = run("create")
    assert code == 0, output
    assert "standby running on port" in output
    urls = resolve(Settings.from_env())
    assert urls.replica is not None
    with psycopg.connect(urls.replica) as conn:
        row = conn.execute("SELECT pg_is_in_recovery(), current_user").fetchone()
    assert row == (True, logins.APP)

    code, output = run("status")
    assert code == 0, output
    assert "lag" in output and "replayed up to" in output

    assert run("stop") == (0, "standby stopped\n")
    assert resolve(Settings.from_env()).replica is None
    code, output = run("status")
    assert code == 1 and output.startswith("standby stopped")

    assert run("start")[0] == 0
    assert resolve(Settings.from_env()).replica is not None
    code, output = run("create")
    assert code == 1 and "already exists" in output
