"""PostgreSQL killed with SIGKILL under write load: every acknowledged write survives, in the
server and in the backups (the WAL archive has no gap)."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.backups.conftest import BackedUp
from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually
from turns.db import logins
from turns.db.embedded import SUPERUSER, EmbeddedPostgres

# One backed-up server (a session fixture) serves these tests: they run on one worker.
pytestmark = pytest.mark.xdist_group("backups")

Acknowledged = dict[str, tuple[int, str]]
"""Per turn id, the version and work order number of the last write the API acknowledged."""


def holds(acked: Acknowledged, count: int) -> None:
    assert len(acked) >= count


def dead(server: EmbeddedPostgres) -> None:
    assert not server.is_running()


def write_turns(base_url: str, headers: dict[str, str], name: str, acked: Acknowledged, stop: threading.Event) -> None:
    """Open turns on new properties and change them, noting each write the API answered 2xx."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as http:
        for i in range(10_000):
            if stop.is_set():
                return
            home = http.post(
                "/api/v1/properties", json={"property_id": f"D-{name}-{i}", "name": "x", "street_address": "1 St"}
            )
            if home.status_code != 201:
                time.sleep(0.02)  # the server is down (503): try again
                continue
            created = http.post("/api/v1/turns", json={"turn_id": f"D-{name}-{i}", "property_id": home.json()["id"]})
            if created.status_code != 201:
                continue
            turn = created.json()
            acked[turn["id"]] = (turn["version"], turn["wo_number"] or "")
            for n in range(2):
                changed = http.patch(
                    f"/api/v1/turns/{turn['id']}", json={"version": turn["version"], "wo_number": f"WO-{n}"}
                )
                if changed.status_code != 200:
                    break
                turn = changed.json()
                acked[turn["id"]] = (turn["version"], turn["wo_number"])


def lost(url: str, acked: Acknowledged) -> Acknowledged:
    """The acknowledged writes ``url`` does not hold (a later write the API could not answer may follow one)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id::text, version, coalesce(wo_number, '') FROM turns WHERE id = ANY(%s::uuid[])", (list(acked),)
        )
        found = {r[0]: (r[1], r[2]) for r in rows}
    return {k: v for k, v in acked.items() if not (k in found and (found[k][0] > v[0] or found[k] == v))}


def test_acknowledged_writes_survive_sigkill_of_the_server_and_reach_the_backups(
    backed_up: BackedUp, tmp_path: Path
) -> None:
    factory = Factory(backed_up.urls)
    admin = factory.user("ADMIN")
    api = LiveServer(backed_up.urls)
    api.start()
    acked: Acknowledged = {}
    stop = threading.Event()
    try:
        with httpx.Client(base_url=api.base_url) as http:
            headers = bearer(login(http, admin))
        writers = [
            threading.Thread(target=write_turns, args=(api.base_url, headers, str(n), acked, stop)) for n in range(4)
        ]
        for writer in writers:
            writer.start()
        eventually(lambda: holds(acked, 12))
        pid = backed_up.server._postmaster_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        eventually(lambda: dead(backed_up.server))
        before = len(acked)
        backed_up.server.ensure_running()
        eventually(lambda: holds(acked, before + 12))  # the API took writes again by itself
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    finally:
        stop.set()
        api.stop()
    assert len(acked) >= 24 and lost(backed_up.urls.superuser or "", acked) == {}

    # The archive is continuous across the crash: a restore reaches every acknowledged write.
    into = tmp_path / "after-crash"
    result = backed_up.turns("db", "restore", "--into", str(into))
    assert result.returncode == 0, result.stderr
    restored = EmbeddedPostgres(into)
    try:
        assert lost(restored.url(SUPERUSER, logins.DATABASE), acked) == {}
    finally:
        restored.stop("immediate")
        shutil.rmtree(into)
