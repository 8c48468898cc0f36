from __future__ import annotations

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from turns.db.urls import DatabaseUrls


def drop_statements_extension(db: DatabaseUrls) -> None:
    """The test database without pg_stat_statements (the server still preloads it)."""
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        conn.execute("DROP EXTENSION pg_stat_statements")


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: httpx.Client, headers: dict[str, str] | None = None) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
