"""The application's connections really go through PgBouncer here."""

from __future__ import annotations

import psycopg

from tests.fixtures.pgbouncer import PgBouncer
from tests.fixtures.server import LiveServer
from turns.db.urls import DatabaseUrls


def test_app_url_points_at_pgbouncer(db: DatabaseUrls, pgbouncer: PgBouncer, live_server: LiveServer) -> None:
    assert db.app.endswith(f"@127.0.0.1:{pgbouncer.port}/{db.owner.rsplit('/', 1)[1]}")
    with psycopg.connect(db.app, prepare_threshold=None) as conn:
        # Transaction mode: a session-level setting is not promised to survive the transaction.
        assert conn.execute("SELECT current_user").fetchone() == ("turns_app",)
