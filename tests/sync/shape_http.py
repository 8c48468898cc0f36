"""A minimal shape client over plain HTTP, for the tests that compare rows exactly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg

from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.urls import DatabaseUrls

Rows = dict[str, dict[str, Any]]


def refused_as_electric(response: httpx.Response, status: int = 400) -> dict[str, list[str]]:
    """The ``errors`` of a shape request refused as Electric refuses one: its status, typed
    ``application/json`` (what Electric's client reads), ``{"message", "errors"}`` and nothing else."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["message", "errors"] and body["message"] == "Invalid request"
    errors: dict[str, list[str]] = body["errors"]
    return errors


def fetch(client: httpx.Client, token: str, table: str, **params: Any) -> Rows:
    """The rows of a shape, read from offset -1 until up to date."""
    return fetch_at(client, token, table, **params)[0]


def fetch_at(client: httpx.Client, token: str, table: str, **params: Any) -> tuple[Rows, dict[str, str]]:
    """The rows of a shape, read from offset -1 until up to date, and the handle and offset that follow it."""
    headers = {"Authorization": f"Bearer {token}"}
    rows: Rows = {}
    query: dict[str, Any] = {"table": table, "offset": "-1", **params}
    for _ in range(10_000):
        response = client.get("/v1/shape", params=query, headers=headers)
        assert response.status_code == 200, response.text
        done = False
        for message in response.json():
            operation = message.get("headers", {}).get("operation")
            if operation == "insert":
                rows[message["key"]] = message["value"]
            elif operation == "update":
                rows[message["key"]] = {**rows[message["key"]], **message["value"]}
            elif operation == "delete":
                del rows[message["key"]]
            elif message["headers"].get("control") == "up-to-date":
                done = True
        query = {**query, "offset": response.headers["electric-offset"], "handle": response.headers["electric-handle"]}
        if done:
            return rows, {"handle": query["handle"], "offset": query["offset"]}
    raise AssertionError("the shape never came up to date")


def visible(urls: DatabaseUrls, user_id: Any, table: str) -> set[str]:
    """The ids ``user_id`` reads from ``table`` through the application role (as the API does)."""
    return visible_in(urls, user_id, (table,))[table]


def visible_in(urls: DatabaseUrls, user_id: Any, tables: tuple[str, ...]) -> dict[str, set[str]]:
    """:func:`visible` of each of ``tables``, on one connection: a check of every role and table would
    otherwise spend its time signing in."""
    with psycopg.connect(urls.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=user_id, context="test").params())
        return {table: {str(r[0]) for r in conn.execute(f"SELECT id FROM {table}").fetchall()} for table in tables}


def eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    """``check()`` once it stops raising AssertionError (the engine applies steps asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
