"""``/metrics``: the API's Prometheus series, and the optional token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import serving
from tests.monitoring.helpers import scrape, value
from turns.db.urls import DatabaseUrls
from turns.monitoring.replicas import api_routes
from turns.replicas import metrics as replica_metrics

PROBLEM = "application/problem+json"


def test_request_counter_and_latency_grow(client: httpx.Client) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/api/v1/properties/00000000-0000-0000-0000-00000000abcd")  # 401: a route template, not the path
    client.get("/no/such/path")
    after = scrape(client)
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert (
        value(after, "turns_http_requests_total", **healthz) - value(before, "turns_http_requests_total", **healthz)
        == 3
    )
    latency = {"method": "GET", "route": "/healthz"}
    count = "turns_http_request_duration_seconds_count"
    assert value(after, count, **latency) - value(before, count, **latency) == 3
    assert value(after, "turns_http_request_duration_seconds_bucket", le="10.0", **latency) >= 3
    one = {"method": "GET", "route": "/api/v1/properties/{property_id}", "status": "401"}
    assert value(after, "turns_http_requests_total", **one) - value(before, "turns_http_requests_total", **one) == 1
    lost = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value(after, "turns_http_requests_total", **lost) - value(before, "turns_http_requests_total", **lost) == 1


def test_pools_and_database_figures(client: httpx.Client, factory: Factory) -> None:
    factory.property()
    factory.query("SELECT refresh_property_summary(false)")
    client.get("/api/v1/auth/me", headers=bearer(login(client, factory.user("ADMIN"))))
    samples = scrape(client)
    assert value(samples, "turns_db_pool_size", pool="primary") == 10
    assert ("turns_db_pool_checked_out", frozenset({("pool", "primary")})) in samples
    assert ("turns_db_pool_size", frozenset({("pool", "replica")})) not in samples
    assert value(samples, "turns_database_up") == 1
    assert value(samples, "turns_database_size_bytes") > 1_000_000
    assert 0 <= value(samples, "turns_property_summary_age_seconds") < 60
    assert value(samples, "turns_database_connections", application="turns-api", state="active") >= 1
    assert ("turns_replica_healthy", frozenset()) in samples


def test_replica_report_reads_it(client: httpx.Client) -> None:
    """``turns monitor replicas --metrics-url .../metrics`` reads the routing counters here."""
    replica_metrics.route("replica", "healthy")
    routes = api_routes(f"{client.base_url}/metrics")
    assert routes[("replica", "healthy")] == replica_metrics.routes()[("replica", "healthy")]


@pytest.fixture
def guarded(db: DatabaseUrls, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("TURNS_METRICS_TOKEN", "s3cret-scrape-token")
    with serving(db) as http:
        yield http


def test_token_rule(guarded: httpx.Client, factory: Factory) -> None:
    session = bearer(login(guarded, factory.user("SUPER_ADMIN")))
    for headers in ({}, {"Authorization": "Bearer wrong"}, session):
        response = guarded.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
    guarded.cookies.clear()
    assert value(scrape(guarded, {"Authorization": "Bearer s3cret-scrape-token"}), "turns_database_up") == 1
