"""``turns db restore --switch``: the server's data goes back to a past time under the same URL, and sync
clients that held the later history refetch the restored rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.backups.conftest import BackedUp
from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory
from tests.fixtures.sync import sync_server, wait_ready
from tests.sync.shape_http import eventually, fetch, fetch_at
from turns.db.urls import embedded_urls

# One backed-up server (a session fixture) serves these tests: they run on one worker.
pytestmark = pytest.mark.xdist_group("backups")


def turns(url: str | None) -> dict[str, str | None]:
    """Every turn's work order number, read as the superuser."""
    with psycopg.connect(url or "") as conn:
        return {str(r[0]): r[1] for r in conn.execute("SELECT id, wo_number FROM turns")}


def synced(rows: dict[str, dict[str, str | None]]) -> dict[str, str | None]:
    return {row["id"] or "": row["wo_number"] for row in rows.values()}


def test_switch_to_a_past_time_keeps_the_url_and_makes_sync_clients_refetch(
    backed_up: BackedUp, tmp_path: Path
) -> None:
    factory = Factory(backed_up.urls)
    admin = factory.user("ADMIN")
    first = factory.turn(factory.property(), wo_number="kept")
    noted = turns(backed_up.urls.superuser)
    at = datetime.now(UTC)
    # After the noted time: a turn changed, one added, and the WAL moved on by several segments, so
    # the logs' positions are past any the restored server writes for a while (its new backup included).
    factory.unvetted("UPDATE turns SET wo_number = 'changed' WHERE id = %s", (first,))
    for _ in range(8):
        factory.property()
        factory.query("SELECT pg_switch_wal()")
    later = factory.turn(factory.property(), wo_number="later")

    api = sync_server(backed_up.urls, tmp_path / "sync")
    api.start()
    try:
        wait_ready(api.base_url)
        token = session_token(api.base_url, admin)
        with httpx.Client(base_url=api.base_url, timeout=30) as http:
            rows, held = fetch_at(http, token, "turns")
        assert synced(rows)[str(later)] == "later"
    finally:
        api.stop()

    port = backed_up.server.info().port
    result = backed_up.turns("db", "restore", "--to", at.isoformat(), "--switch")
    assert result.returncode == 0, result.stderr
    kept = next(line.split(" in ", 1)[1] for line in result.stdout.splitlines() if line.startswith("previous data"))
    assert Path(kept).parent == backed_up.server.data_dir and (Path(kept) / "PG_VERSION").exists()
    assert f"DATABASE_URL={embedded_urls(backed_up.server).owner}" in result.stdout
    assert backed_up.server.info().port == port
    assert turns(backed_up.urls.superuser) == noted
    assert "taken of the restored data" in result.stdout

    api = sync_server(backed_up.urls, tmp_path / "sync")  # the same shape logs as before
    api.start()
    try:
        wait_ready(api.base_url)
        token = session_token(api.base_url, admin)
        with httpx.Client(base_url=api.base_url, timeout=30) as http:
            stale = http.get(
                "/v1/shape", params={"table": "turns", **held}, headers={"Authorization": f"Bearer {token}"}
            )
            assert stale.status_code == 409
            assert stale.json() == [{"headers": {"control": "must-refetch"}}]
            assert stale.headers["electric-handle"] != held["handle"]
            assert synced(fetch(http, token, "turns")) == noted
            # The restored server's new writes reach clients (its positions start below the old logs').
            added = factory.turn(factory.property(), wo_number="after restore")

            def caught_up() -> None:
                assert synced(fetch(http, token, "turns")) == turns(backed_up.urls.superuser)

            eventually(caught_up)
            assert str(added) in turns(backed_up.urls.superuser)
    finally:
        api.stop()
    # The archive goes on along the restored history: the newest backup restores up to now.
    checked = backed_up.turns("db", "check-backups")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"backups OK: the newest restores and starts ({len(noted) + 1} turns)")
