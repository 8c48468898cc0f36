"""The API suites below run with the application's connections going through PgBouncer
in transaction mode, as on Neon's pooled endpoint: each transaction may get a different
server connection, so nothing may rely on session state."""

from __future__ import annotations

import pytest

from tests.fixtures.pgbouncer import PgBouncer
from turns.db.urls import DatabaseUrls


@pytest.fixture
def db(db: DatabaseUrls, pgbouncer: PgBouncer) -> DatabaseUrls:
    return pgbouncer.pooled(db)
