"""API benchmarks, each against a baseline measured in the same run on the same server:

- turn update through the API (RLS, version check, audit) against the same
  transaction run directly with psycopg;
- a 50-row turn list as a property manager through the API against the same query
  run directly (same RLS), at 1, 10 and 100 concurrent clients;
- login throughput (argon2id verification is deliberately slow).
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

import httpx
import psutil
import psycopg

from bench import access
from bench.harness import PASSWORD, Environment, api_process, literal_sql
from bench.load import LoadResult, run_load
from turns.access.identity import CurrentUser
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.unit_turns.endpoints import TurnListQuery
from turns.unit_turns.service import RESOURCE

LIST_PARAMS = {"limit": 50, "sort": "-created_at"}
"""A property manager's first page of turns, newest first, as the web app asks for it."""
UPDATE_SQL = "UPDATE turns SET wo_number = %s WHERE id = %s AND version = %s RETURNING version"


class LeanClient:
    """One keep-alive HTTP/1.1 connection of the standard library's client, which costs the load
    generator about a quarter of what httpx does (about 0.1 ms of CPU a request against 0.4). On two shared
    cores what the generator spends is taken from the server it measures, and the direct baseline's
    generator is psycopg, a C client: the API's should be as lean."""

    def __init__(self, base_url: str, token: str) -> None:
        address = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The answer's JSON; an error for any status of 400 or more."""
        self.connection.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)


@dataclass(frozen=True)
class ApiUpdate:
    base_url: str
    token: str
    turn_ids: list[str]

    def __call__(self, client: int) -> Callable[[], None]:
        http = LeanClient(self.base_url, self.token)
        turn = self.turn_ids[client % len(self.turn_ids)]
        state = {"version": http.call("GET", f"/api/v1/turns/{turn}")["version"], "n": 0}

        def operation() -> None:
            state["n"] += 1
            body = {"wo_number": f"WO-B{client}-{state['n']}", "version": state["version"]}
            state["version"] = http.call("PATCH", f"/api/v1/turns/{turn}", body)["version"]

        return operation


@dataclass(frozen=True)
class DirectUpdate:
    app_url: str
    user_id: str
    turn_ids: list[str]

    def __call__(self, client: int) -> Callable[[], None]:
        conn = psycopg.connect(self.app_url, prepare_threshold=None)
        turn = self.turn_ids[client % len(self.turn_ids)]
        actor = Actor(user_id=None, context="bench").params() | {"user_id": self.user_id}
        with conn.transaction():
            conn.execute(SET_CONTEXT_SQL, actor)
            row = conn.execute("SELECT version FROM turns WHERE id = %s", (turn,)).fetchone()
        state = {"version": row[0] if row else 0, "n": 0}

        def operation() -> None:
            state["n"] += 1
            with conn.transaction():
                conn.execute(SET_CONTEXT_SQL, actor)
                updated = conn.execute(UPDATE_SQL, (f"WO-D{client}-{state['n']}", turn, state["version"])).fetchone()
            if updated is None:
                raise RuntimeError("version conflict")
            state["version"] = updated[0]

        return operation


@dataclass(frozen=True)
class ApiList:
    base_url: str
    token: str

    def __call__(self, client: int) -> Callable[[], None]:
        http = LeanClient(self.base_url, self.token)

        def operation() -> None:
            http.call("GET", "/api/v1/turns?" + urlencode(LIST_PARAMS))

        return operation


def list_sql(user_id: str, role: str) -> str:
    """The statement the API sends for ``ApiList``'s page (``Resource.page_query``), its values in
    line: the same columns, conditions, order and limit."""
    user = CurrentUser(id=UUID(user_id), email="", role=role, vendor_id=None, session_id=UUID(int=0))
    query = RESOURCE.page_query(user, TurnListQuery.model_validate(LIST_PARAMS), [])
    return literal_sql(query)


@dataclass(frozen=True)
class DirectList:
    app_url: str
    user_id: str
    role: str

    def __call__(self, client: int) -> Callable[[], None]:
        conn = psycopg.connect(self.app_url, prepare_threshold=None)
        actor = Actor(user_id=None, context="bench").params() | {"user_id": self.user_id}
        sql = list_sql(self.user_id, self.role)

        def operation() -> None:
            with conn.transaction():
                conn.execute(SET_CONTEXT_SQL, actor)
                conn.execute(sql).fetchall()

        return operation


@dataclass(frozen=True)
class Login:
    base_url: str
    email: str

    def __call__(self, client: int) -> Callable[[], None]:
        http = httpx.Client(base_url=self.base_url, timeout=60)

        def operation() -> None:
            response = http.post("/api/v1/auth/login", json={"email": self.email, "password": PASSWORD})
            response.raise_for_status()

        return operation


def user_id_of(env: Environment, email: str) -> str:
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(
            SET_CONTEXT_SQL,
            Actor(user_id=None, context="bench").params() | {"user_id": "00000000-0000-0000-0000-000000000001"},
        )
        row = conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()
    assert row is not None
    return str(row[0])


def turns_of(env: Environment, user_id: str, limit: int) -> list[str]:
    with psycopg.connect(env.urls.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=None, context="bench").params() | {"user_id": user_id})
        return [str(r[0]) for r in conn.execute("SELECT id FROM turns ORDER BY id LIMIT %s", (limit,))]


def compare(api: LoadResult, direct: LoadResult) -> dict[str, Any]:
    """The API's figures against the direct baseline's, and their ratios."""
    return {
        "api": api.summary(),
        "direct": direct.summary(),
        "p50_ratio": round(api.percentile(50) / direct.percentile(50), 2),
        "p95_ratio": round(api.percentile(95) / direct.percentile(95), 2),
        "throughput_ratio": round(api.throughput / direct.throughput, 2) if direct.throughput else None,
    }


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    count = 10 if smoke else 400
    seconds = 2.0 if smoke else 30.0
    manager = env.users["PROPERTY_MANAGER"]
    manager_id = user_id_of(env, manager)
    token = env.token(manager)
    turns = turns_of(env, manager_id, 100)
    results: dict[str, Any] = {}
    process = psutil.Process(env.api_pid)
    rss: dict[str, float] = {"start": _mb(process)}

    clients = 4 if smoke else 10
    api = run_load(ApiUpdate(env.base_url, token, turns), clients=clients, requests_per_client=count, seconds=seconds)
    direct = run_load(
        DirectUpdate(env.urls.app, manager_id, turns), clients=clients, requests_per_client=count, seconds=seconds
    )
    results["turn_update"] = compare(api, direct) | {"clients": clients}
    rss["turn_update"] = _mb(process)

    results["turn_list"] = {}
    for concurrency in (1, 10) if smoke else (1, 10, 100):
        api = run_load(ApiList(env.base_url, token), clients=concurrency, requests_per_client=count, seconds=seconds)
        direct = run_load(
            DirectList(env.urls.app, manager_id, "PROPERTY_MANAGER"),
            clients=concurrency,
            requests_per_client=count,
            seconds=seconds,
        )
        results["turn_list"][str(concurrency)] = compare(api, direct)
        rss[f"turn_list_{concurrency}"] = _mb(process)

    results["workers"] = workers_scaling(env, token, turns, clients=clients, count=count, seconds=seconds)
    results["data_access"] = access.run(env.urls, manager_id, turns[-1], smoke=smoke)
    logins = run_load(Login(env.base_url, manager), clients=2, requests_per_client=5 if smoke else 50, seconds=seconds)
    results["login"] = logins.summary()
    rss["login"] = _mb(process)
    results["api_rss_mb"] = rss
    return results


def _mb(process: psutil.Process) -> float:
    """The process's resident memory in MB (what each step left it holding)."""
    rss: int = process.memory_info().rss
    return round(rss / 1e6, 1)


def workers_scaling(
    env: Environment, token: str, turns: list[str], *, clients: int, count: int, seconds: float
) -> dict[str, Any]:
    """Turn updates, then a manager's list, through ``turns serve --workers N`` with one worker, then one
    per core: the same loads against two fresh servers of the same data (sync off in both: only the API
    is measured)."""
    cores = os.cpu_count() or 1
    found: dict[str, Any] = {"cores": cores, "list": {}}
    for workers in (1, cores):
        settings = {"TURNS_WORKERS": str(workers), "TURNS_SYNC": "false"}
        with api_process(env.urls, env.server.data_dir, **settings) as (base_url, _):
            load = run_load(
                ApiUpdate(base_url, token, turns), clients=clients, requests_per_client=count, seconds=seconds
            )
            listed = run_load(ApiList(base_url, token), clients=clients, requests_per_client=count, seconds=seconds)
        found[str(workers)] = load.summary()
        found["list"][str(workers)] = listed.summary()
    single, many = found["1"]["throughput_per_s"], found[str(cores)]["throughput_per_s"]
    found["ratio"] = round(many / single, 2) if single else None
    return found
