import httpx
import psycopg

from turns.db import migrate
from turns.db.urls import DatabaseUrls


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ready_at_head(client: httpx.Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["schema_revision"] == migrate.head_revision()


def test_readyz_not_ready_behind_head(client: httpx.Client, db: DatabaseUrls, migrating: None) -> None:
    migrate.downgrade(db.owner, "0003_sync_reporting")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["schema_revision"] == "0003_sync_reporting"
    assert response.json()["status"] == "not ready"


def test_connections_name_their_pool(client: httpx.Client, db: DatabaseUrls) -> None:
    client.get("/readyz")
    with psycopg.connect(db.superuser or "") as conn:
        names = {
            row[0]
            for row in conn.execute("SELECT application_name FROM pg_stat_activity WHERE datname = current_database()")
        }
    assert "turns-api" in names
