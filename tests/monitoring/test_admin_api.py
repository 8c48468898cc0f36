"""``/api/v1/admin/monitor/*``: the CLI's reports for admins, as the application role sees them."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login
from tests.monitoring.helpers import drop_statements_extension
from turns.db.urls import DatabaseUrls

PROBLEM = "application/problem+json"
REPORTS = ("slow-queries", "sizes", "unused-indexes", "connections", "replicas")
HIDDEN = "of roles other than turns_app are hidden: grant pg_monitor (or pg_read_all_stats) to turns_app"


def get(client: httpx.Client, user: User, report: str) -> httpx.Response:
    response = client.get(f"/api/v1/admin/monitor/{report}", headers=bearer(login(client, user)))
    client.cookies.clear()
    return response


@pytest.mark.parametrize("role", ["PROPERTY_MANAGER", "VENDOR", "DFO_APPROVER", "USER"])
def test_refused_to_others(client: httpx.Client, factory: Factory, role: str) -> None:
    token = bearer(login(client, factory.user(role)))
    client.cookies.clear()
    for report in REPORTS:
        response = client.get(f"/api/v1/admin/monitor/{report}", headers=token)
        assert response.status_code == 403, report
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "only admins see database monitoring"


def test_signed_out_is_401(client: httpx.Client) -> None:
    response = client.get("/api/v1/admin/monitor/sizes")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "ADMIN"])
def test_admins_read_every_report(client: httpx.Client, factory: Factory, role: str) -> None:
    admin = factory.user(role)
    slow = get(client, admin, "slow-queries").json()
    assert slow["message"] == f"statements {HIDDEN}"
    assert any(r["role"] == "turns_app" and r["query"] != "<insufficient privilege>" for r in slow["rows"])
    sizes = get(client, admin, "sizes").json()
    assert sizes["database_bytes"] > 1_000_000
    assert "turns" in {t["table"] for t in sizes["tables"]}
    unused = get(client, admin, "unused-indexes").json()
    assert "idx_vendors_search_contact" in {r["index"] for r in unused["rows"]}
    connections = get(client, admin, "connections").json()
    assert connections["message"] == f"connections {HIDDEN}"
    assert any(r["application"] == "turns-api" and r["state"] == "active" for r in connections["rows"])
    replicas = get(client, admin, "replicas").json()
    assert replicas == {
        "configured": False,
        "healthy": None,
        "reason": None,
        "lag_bytes": None,
        "lag_seconds": None,
        "routes": replicas["routes"],
        "message": "no read replica configured: every read goes to the primary",
    }


def test_slow_queries_without_the_extension(client: httpx.Client, factory: Factory, db: DatabaseUrls) -> None:
    drop_statements_extension(db)
    response = get(client, factory.user("ADMIN"), "slow-queries")
    assert response.status_code == 200
    assert response.json()["rows"] == []
    assert response.json()["message"].startswith("pg_stat_statements is not installed in this database")


def test_limits_are_checked(client: httpx.Client, factory: Factory) -> None:
    token = bearer(login(client, factory.user("ADMIN")))
    response = client.get("/api/v1/admin/monitor/slow-queries", params={"by": "median"}, headers=token)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/admin/monitor/sizes", params={"limit": 0}, headers=token).status_code == 422
