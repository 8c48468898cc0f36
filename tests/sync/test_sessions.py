"""Sync resolves sessions through a short cache: what it may serve late is bounded."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually, fetch
from turns.sync.sessions import SECONDS


def _follow(http: httpx.Client, token: str) -> dict[str, str]:
    """A vendors shape read up to date: the parameters of its next request."""
    query = {"table": "vendors", "offset": "-1"}
    while True:
        response = http.get("/v1/shape", params=query, headers=bearer(token))
        assert response.status_code == 200, response.text
        query = {**query, "offset": response.headers["electric-offset"], "handle": response.headers["electric-handle"]}
        if "electric-up-to-date" in response.headers:
            return query


def test_a_signed_out_session_stops_syncing_within_the_bound(synced: LiveServer, factory: Factory) -> None:
    with httpx.Client(base_url=synced.base_url, timeout=60) as http:
        token = login(http, factory.user("ADMIN"))
        http.cookies.clear()
        query = _follow(http, token)
        held: dict[str, Any] = {}

        def long_poll() -> None:
            with httpx.Client(base_url=synced.base_url, timeout=60) as own:
                held["response"] = own.get("/v1/shape", params={**query, "live": "true"}, headers=bearer(token))

        waiting = threading.Thread(target=long_poll)
        waiting.start()
        time.sleep(0.5)
        assert http.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
        signed_out = time.monotonic()
        while True:
            sent = time.monotonic()
            status = http.get("/v1/shape", params=query, headers=bearer(token)).status_code
            if status != 200:
                break
            assert sent - signed_out < SECONDS, "served after the bound"
            time.sleep(0.2)
        assert status == 401
        live = http.get("/v1/shape", params={**query, "live": "true"}, headers=bearer(token))
        assert live.status_code == 401 and live.headers["content-type"] == "application/problem+json"
        factory.vendor()  # wakes the long-poll held since before the sign-out: it answers 401, not the row
        waiting.join(timeout=30)
        assert held["response"].status_code == 401


def test_a_role_change_is_served_within_the_bound(synced: LiveServer, factory: Factory) -> None:
    company = factory.vendor()
    user = factory.user("ADMIN")
    turn = factory.turn(factory.property(None, None), vendor_id=company)
    factory.turn(factory.property(None, None))
    with httpx.Client(base_url=synced.base_url, timeout=60) as http:
        token = login(http, user)
        http.cookies.clear()
        assert len(fetch(http, token, "turns")) == 2
        factory.query("UPDATE users SET role = 'VENDOR', vendor_id = %s WHERE id = %s RETURNING id", (company, user.id))
        changed = time.monotonic()

        def as_vendor() -> None:
            rows = fetch(http, token, "turns")
            assert [row["id"] for row in rows.values()] == [str(turn)]
            assert "turn_amount" not in rows[next(iter(rows))]

        eventually(as_vendor, timeout=SECONDS + 1)
        assert time.monotonic() - changed < SECONDS + 1
        time.sleep(SECONDS)
        as_vendor()  # and no shape was made for the role the cache remembered
