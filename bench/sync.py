"""Sync benchmarks, against baselines measured in the same run on the same server:

- initial sync of the ``turns`` shape as an admin (every row) through ``/v1/shape``, first
  when the shape is created (snapshot + log) and again from its log, against ``COPY`` of
  the same rows and columns as text (same role, same RLS);
- commit-to-client latency: N clients, each with its own connection, long-poll one shape; a
  turn is updated and each client notes when the change arrives (p50/p99 over all clients
  and writes);
- how many live clients the API process holds, its memory per held client, and how soon one
  change reaches them all.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from bench import longpoll
from bench.harness import Environment, api_process
from turns.access.columns import readable_columns
from turns.db.context import SET_CONTEXT_SQL, Actor, context_calls, system_actor
from turns.db.embedded import free_port
from turns.sync.shapes import ordered

ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
_WRITERS = 8
"""Connections writing at once in the change-rate run (pgbench's clients)."""
HELD_CLIENTS = 5_000
"""Live clients held at once by the API process in the memory run."""


def _folder_bytes(folder: Path) -> int:
    """What the files under ``folder`` take (the shape logs of the API process)."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


def shape_rows(base_url: str, token: str, params: dict[str, str]) -> tuple[int, int]:
    """(rows, bytes) of a shape read from offset -1 until up to date."""
    headers = {"Authorization": f"Bearer {token}"}
    query = {**params, "offset": "-1"}
    rows = size = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=600) as http:
        while True:
            response = http.get("/v1/shape", params=query)
            response.raise_for_status()
            size += len(response.content)
            # Counted in the bytes, as COPY's rows are counted by their newlines: what is measured is
            # the server, not this process parsing JSON.
            rows += response.content.count(b'"operation":"insert"')
            if "electric-up-to-date" in response.headers:
                return rows, size
            query = {
                **params,
                "offset": response.headers["electric-offset"],
                "handle": response.headers["electric-handle"],
            }


def _drop_shape(base_url: str, token: str, params: dict[str, str]) -> None:
    """Remove the caller's shape of ``params`` (its logs take disk space until they expire). Removing a
    million-row shape takes the sync engine minutes: the timeout allows for it."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=900) as http:
        first = http.get("/v1/shape", params={**params, "offset": "-1"})
        first.raise_for_status()
        http.delete("/v1/shape", params={"handle": first.headers["electric-handle"]}).raise_for_status()


def _copy(app_url: str, user_id: str) -> tuple[int, int]:
    columns = ordered("turns", readable_columns("turns", "ADMIN"))
    select = ", ".join(f'"{c}"::text' for c in columns)
    rows = size = 0
    with psycopg.connect(app_url) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=user_id, context="bench").params())  # type: ignore[arg-type]
        with conn.cursor().copy(f"COPY (SELECT {select} FROM turns) TO STDOUT") as copy:
            for chunk in copy:
                size += len(chunk)
                rows += bytes(chunk).count(b"\n")
    return rows, size


def initial_sync(env: Environment, token: str, admin_id: str) -> dict[str, Any]:
    started = time.perf_counter()
    copied, copy_bytes = _copy(env.urls.app, admin_id)
    copy_s = time.perf_counter() - started
    # Every turn, through a shape no earlier run made (shapes outlive the API process).
    shape = {"table": "turns", "where": "turn_id <> $1", "params[1]": f"bench-{time.time_ns()}"}
    logs = env.server.data_dir / "sync"
    stored_before = _folder_bytes(logs)
    started = time.perf_counter()
    created, shape_bytes = shape_rows(env.base_url, token, shape)
    create_s = time.perf_counter() - started
    stored = _folder_bytes(logs) - stored_before
    started = time.perf_counter()
    replayed, _ = shape_rows(env.base_url, token, shape)
    replay_s = time.perf_counter() - started
    health = _health_during(env.base_url, lambda: _drop_shape(env.base_url, token, shape))
    _until_unlinked(logs)
    return {
        "rows": copied,
        "copy_rows_per_s": round(copied / copy_s),
        "shape_created_rows_per_s": round(created / create_s),
        "shape_replayed_rows_per_s": round(replayed / replay_s),
        "created_vs_copy": round(copy_s / create_s, 3),
        "replayed_vs_copy": round(copy_s / replay_s, 3),
        "copy_mb": round(copy_bytes / 1e6, 1),
        "shape_mb": round(shape_bytes / 1e6, 1),
        "stored_mb": round(stored / 1e6, 1),
        "stored_vs_json": round(stored / shape_bytes, 3),
        "rows_match": copied == created == replayed,
        "healthz_during_delete": health,
    }


def _until_unlinked(logs: Path, seconds: float = 120) -> None:
    """Wait until the removed shapes' files are gone (the engine unlinks them in the background):
    the measures that follow are of a server at rest, not of the disk freeing 2 GB."""
    deadline = time.monotonic() + seconds
    while any(logs.glob("*/logs/*.removed")) and time.monotonic() < deadline:
        time.sleep(0.2)


def _health_during(base_url: str, action: Callable[[], None], after_s: float = 1.0) -> dict[str, Any]:
    """``/healthz`` asked every 10 ms, one request at a time, while ``action`` runs and ``after_s``
    after it (a large shape's file goes in the background): p50, p99 and the slowest answer."""
    done = threading.Event()
    times: list[float] = []

    def probe() -> None:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            while not done.is_set():
                started = time.perf_counter()
                http.get("/healthz").raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
                time.sleep(0.01)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        action()
        time.sleep(after_s)
    finally:
        done.set()
        prober.join()
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
        "max_ms": round(times[-1], 1),
    }


async def _get(http: httpx.AsyncClient, query: dict[str, str]) -> httpx.Response:
    """A live request, sent again when a kept-alive connection was closed under it."""
    for attempt in range(3):
        try:
            return await http.get("/v1/shape", params=query)
        except httpx.TransportError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _first_turn(env: Environment) -> str:
    """The turn whose one-row shape the live measures follow."""
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute("SELECT id FROM turns ORDER BY created_at LIMIT 1").fetchone()
    assert row is not None
    return str(row[0])


def _label(env: Environment, turn: str, label: str) -> float:
    """Set ``turn``'s work order number to ``label`` (what its followers look for); when it committed."""
    with psycopg.connect(env.urls.owner, autocommit=True) as conn, conn.transaction():
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        conn.execute("UPDATE turns SET wo_number = %s WHERE id = %s", (label, turn))
    return time.perf_counter()


async def _follow(client: longpoll.Client, query: dict[str, str]) -> longpoll.Answer:
    """A live request of a follower, sent again when its kept-alive connection was closed under it."""
    for attempt in range(3):
        try:
            answer = await client.get("/v1/shape", query)
        except ConnectionError:
            if attempt == 2:
                raise
            continue
        if answer.status != 200:
            raise RuntimeError(f"live request failed: {answer.status} {answer.body[:200]!r}")
        return answer
    raise AssertionError("unreachable")


async def _live_latency(
    env: Environment, tokens: list[str], writes: int, api: tuple[str, int] | None = None
) -> dict[str, Any]:
    """Each token's client long-polls its user's shape of one turn (the same shape when the tokens are
    the same user's, one shape per user otherwise), on the benchmark's API or on ``api`` (its base
    URL and the pid of its process, whose children's memory counts too)."""
    base_url, api_pid = api or (env.base_url, env.api_pid)
    clients = len(tokens)
    turn = _first_turn(env)
    params = {"table": "turns", "where": "id = $1", "params[1]": turn}
    arrivals: dict[str, list[float]] = {}
    starts: dict[str, dict[str, str]] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        for token in dict.fromkeys(tokens):
            headers = {"Authorization": f"Bearer {token}"}
            first = await http.get("/v1/shape", params={**params, "offset": "-1"}, headers=headers)
            if first.status_code != 200:
                raise RuntimeError(f"shape request failed: {first.status_code} {first.text}")
            start = {"handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}
            caught = await http.get("/v1/shape", params={**params, **start}, headers=headers)
            starts[token] = {**start, "offset": caught.headers["electric-offset"]}
        ready = asyncio.Event()
        waiting = 0

        last = f"LAT-{clients}-{writes - 1}"

        async def follow(token: str) -> None:
            # Until the last write arrives: writes that land in one step arrive as one change.
            # Each follower has its own connection, as separate clients do (one pool of N
            # connections would measure the pool: it slows down with every connection it holds).
            nonlocal waiting
            start = starts[token]
            offset, cursor = start["offset"], ""
            done = False
            own = longpoll.Client(base_url, {"Authorization": f"Bearer {token}"})
            try:
                while not done:
                    query = {**params, "handle": start["handle"], "offset": offset, "live": "true", "cursor": cursor}
                    if offset == start["offset"]:
                        waiting += 1
                        if waiting == clients:
                            ready.set()
                    response = await _follow(own, query)
                    now = time.perf_counter()
                    offset = response.headers["electric-offset"]
                    cursor = response.headers.get("electric-cursor", "")
                    for message in json.loads(response.body):
                        wo = message.get("value", {}).get("wo_number")
                        if wo and wo.startswith("LAT-"):
                            arrivals.setdefault(wo, []).append(now)
                            done = done or wo == last
            finally:
                own.close()

        rss_before = _rss(api_pid)
        followers = [asyncio.create_task(follow(token)) for token in tokens]
        await asyncio.wait_for(ready.wait(), timeout=120)
        await asyncio.sleep(0.5)
        rss_held = _rss(api_pid)
        committed: dict[str, float] = {}
        for n in range(writes):
            label = f"LAT-{clients}-{n}"
            committed[label] = _label(env, turn, label)
            await asyncio.sleep(0.3)
        await asyncio.wait_for(asyncio.gather(*followers), timeout=300)
    latencies = sorted((t - committed[label]) * 1000 for label, times in arrivals.items() for t in times)
    return {
        "clients": clients,
        "shapes": len({start["handle"] for start in starts.values()}),
        "deliveries": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "api_rss_mb_while_held": round(rss_held / 1e6, 1),
        "kb_per_held_client": round((rss_held - rss_before) / clients / 1e3, 1),
    }


def _manager_tokens(env: Environment, count: int) -> list[str]:
    """Tokens of ``count`` property managers, made once per database with the benchmark password:
    each has a turns shape of their own (managers' shapes are never shared)."""
    emails = [f"bench-manager-{n}@bench.turns.dev" for n in range(count)]
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        password = conn.execute("SELECT password_hash FROM users WHERE email = %s", (env.users["ADMIN"],)).fetchone()
        assert password is not None
        for n, email in enumerate(emails):
            conn.execute(
                "INSERT INTO users (email, first_name, last_name, role, is_active, email_verified, password_hash)"
                " SELECT %s, 'Bench', %s, 'PROPERTY_MANAGER', true, true, %s"
                " WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = %s)",
                (email, f"Manager {n}", password[0], email),
            )
    return [env.token(email) for email in emails]


async def _beside_user_shapes(env: Environment, token: str, others: list[str], writes: int) -> dict[str, Any]:
    """Commit to client of one admin while ``others`` (managers' tokens) each hold a live long-poll on
    a turns shape of their own: what every other user's shape costs a change that is not theirs."""
    stop = asyncio.Event()
    holding = asyncio.Event()
    started = 0

    async def hold(other: str) -> None:
        nonlocal started
        headers = {"Authorization": f"Bearer {other}"}
        async with httpx.AsyncClient(base_url=env.base_url, headers=headers, limits=ONE_CONNECTION, timeout=120) as own:
            query = {"table": "turns", "offset": "-1"}
            counted = False
            while not stop.is_set():
                if "live" in query and not counted:
                    counted, started = True, started + 1
                    if started == len(others):
                        holding.set()
                response = await _get(own, query)
                query = {
                    "table": "turns",
                    "handle": response.headers["electric-handle"],
                    "offset": response.headers["electric-offset"],
                    "live": "true",
                }

    holders = [asyncio.create_task(hold(other)) for other in others]
    if others:  # every holder has its shape and sends its first long-poll
        await asyncio.wait_for(holding.wait(), timeout=600)
    await asyncio.sleep(1)
    try:
        measured = await _live_latency(env, [token], writes)
    finally:
        stop.set()
        for holder in holders:
            holder.cancel()
        await asyncio.gather(*holders, return_exceptions=True)
    return {"user_shapes": len(others), "p50_ms": measured["p50_ms"], "p99_ms": measured["p99_ms"]}


def _change_rate(env: Environment, token: str, changes: int) -> dict[str, Any]:
    """Row changes the engine takes per second: ``changes`` one-row turn updates, each its own
    transaction, then one more to a sentinel turn an admin's client long-polls. The writers are
    :data:`_WRITERS` connections' server-side loops (pgbench's way, without the clients' round
    trips), and the API process (the engine with it) is paused (SIGSTOP) while they write, so that
    on a small machine they do not share the CPU with it; the rate is the changes over the time
    from its resumption to the sentinel's arrival, the backlog read from the slot as fast as the
    engine goes. The users' shapes made before stay in the engine's index all the while."""
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM turns ORDER BY random() LIMIT %s", (changes,))]
        sentinel = ids.pop()
    params = {"table": "turns", "where": "id = $1", "params[1]": sentinel}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=env.base_url, headers=headers, timeout=600) as http:
        first = http.get("/v1/shape", params={**params, "offset": "-1"})
        first.raise_for_status()
        query = {**params, "handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}
        query["offset"] = http.get("/v1/shape", params=query).headers["electric-offset"]
        arrived: list[float] = []

        def follow() -> None:
            while not arrived:
                response = http.get("/v1/shape", params={**query, "live": "true"})
                query["offset"] = response.headers["electric-offset"]
                if b"TP-sentinel" in response.content:
                    arrived.append(time.perf_counter())

        follower = threading.Thread(target=follow)
        follower.start()
        time.sleep(0.5)
        # (each transaction of the loops acts as the system user, as the other writes here do)
        acting = context_calls(**{key: f"'{value}'" for key, value in system_actor("bench").params().items()})

        def write(part: list[str]) -> None:
            listed = ",".join(f"'{i}'" for i in part)
            with psycopg.connect(env.urls.owner, autocommit=True) as writer:
                writer.execute(
                    "DO $$ DECLARE t uuid; n int := 0; BEGIN"
                    f" FOREACH t IN ARRAY ARRAY[{listed}]::uuid[] LOOP"
                    "  n := n + 1;"
                    f"  PERFORM {acting};"
                    "  UPDATE turns SET wo_number = 'TP-' || n WHERE id = t;"
                    "  COMMIT;"
                    " END LOOP; END $$"
                )

        writers = [threading.Thread(target=write, args=(ids[n::_WRITERS],)) for n in range(_WRITERS)]
        api = psutil.Process(env.api_pid)
        api.suspend()  # (a replication connection tolerates a minute's silence: wal_sender_timeout)
        try:
            started = time.perf_counter()
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join()
            written = time.perf_counter()
            _label(env, sentinel, "TP-sentinel")
        finally:
            resumed = time.perf_counter()
            api.resume()
        follower.join(timeout=600)
    total = arrived[0] - resumed
    return {
        "changes": len(ids) + 1,
        "write_s": round(written - started, 2),
        "caught_up_s": round(total, 2),
        "changes_per_s": round((len(ids) + 1) / total),
    }


def _rss(pid: int) -> int:
    """The resident memory of a process and its children (an API's workers and sync engine)."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in (process, *process.children(recursive=True)))


def _with_workers(
    env: Environment, token: str, clients: int, writes: int, storm_clients: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Through ``turns serve`` with a worker per core and the engine as its own process (a slot and
    logs of their own, dropped after): commit to client at ``clients``, then the reconnect storm
    of ``storm_clients`` (:func:`_storm`), which kills that server and starts it again."""
    cores = os.cpu_count() or 1
    slot = "bench_workers"
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "TURNS_WORKERS": str(cores),
            "TURNS_SYNC_SLOT": slot,
            "TURNS_SYNC_DIR": folder,
            "TURNS_PORT": str(free_port()),
        }
        try:
            with api_process(env.urls, env.server.data_dir, **settings) as api:
                wait_sync(api[0])
                # (not counted, as in run: the shape is new to the engine, and to each worker its caches)
                asyncio.run(_live_latency(env, [token] * 10, writes=3, api=api))
                live = asyncio.run(_live_latency(env, [token] * clients, writes, api))
                storm = asyncio.run(_storm(env, token, storm_clients, api, settings))
        finally:
            _drop_slot(env.urls.superuser or env.urls.owner, slot)
    return live | {"workers": cores}, storm


async def _back_off() -> None:
    """A client's pause before it tries again: random, so that clients refused together spread out."""
    await asyncio.sleep(random.uniform(0.1, 1.0))  # noqa: S311 (a pause, not a secret)


async def _storm(
    env: Environment, token: str, clients: int, api: tuple[str, int], settings: dict[str, str]
) -> dict[str, Any]:
    """``clients`` long-polls of one shape held by ``api`` (its base URL and pid; started with
    ``settings``), which is then killed (SIGKILL) and started again on the same port: every client
    reconnects at once, retrying as Electric's client does, and one change must then reach them all."""
    turn = _first_turn(env)
    params = {"table": "turns", "where": "id = $1", "params[1]": turn}
    arrivals: list[float] = []
    holding = 0
    failures = 0
    finished, all_held = asyncio.Event(), asyncio.Event()

    async def follow(base_url: str, start: dict[str, str]) -> None:
        # A follower that keeps its place across the restart: it retries a refused or dropped
        # request after a random pause (as Electric's client backs off), refetches on 409.
        nonlocal holding, failures
        query = {**params, **start}
        own = longpoll.Client(base_url, {"Authorization": f"Bearer {token}"})
        counted = False
        try:
            while not finished.is_set():
                live = {"live": "true"} if query["offset"] != "-1" else {}
                try:
                    if not counted:
                        counted, holding = True, holding + 1
                        if holding == clients:
                            all_held.set()
                    answer = await own.get("/v1/shape", {**query, **live})
                except OSError:
                    counted, holding = False, holding - 1
                    own.close()
                    failures += 1
                    await _back_off()
                    continue
                if answer.status == 409:
                    query = {**params, "handle": answer.headers["electric-handle"], "offset": "-1"}
                    continue
                if answer.status != 200:
                    failures += 1
                    await _back_off()
                    continue
                query = {
                    **query,
                    "handle": answer.headers["electric-handle"],
                    "offset": answer.headers["electric-offset"],
                }
                if b"STORM-" in answer.body:
                    arrivals.append(time.perf_counter())
                    return
        finally:
            own.close()

    base_url, pid = api
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        headers = {"Authorization": f"Bearer {token}"}
        first = await http.get("/v1/shape", params={**params, "offset": "-1"}, headers=headers)
        start = {"handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}
        caught = await http.get("/v1/shape", params={**params, **start}, headers=headers)
        start["offset"] = caught.headers["electric-offset"]
    followers = [asyncio.create_task(follow(base_url, start)) for _ in range(clients)]
    await asyncio.wait_for(all_held.wait(), timeout=300)
    await asyncio.sleep(1)
    children = psutil.Process(pid).children(recursive=True)
    os.kill(pid, signal.SIGKILL)  # (its workers and the engine are told to stop by Linux)
    killed = time.perf_counter()
    # Until they have, they still answer on the port (a new server's readiness would be theirs).
    psutil.wait_procs(children, timeout=60)
    failures = 0
    with api_process(env.urls, env.server.data_dir, **settings) as (base_url, _):
        back = time.perf_counter()
        wait_sync(base_url)
        ready = time.perf_counter()
        await asyncio.sleep(2)  # (the clients' retries reach the new process)
        committed = _label(env, turn, "STORM-1")
        try:
            await asyncio.wait_for(asyncio.gather(*followers), timeout=300)
        finally:
            finished.set()
    latencies = sorted((t - committed) * 1000 for t in arrivals)
    return {
        "clients": clients,
        "converged": len(arrivals),
        "restart_s": round(back - killed, 1),
        "sync_ready_s": round(ready - killed, 1),
        "refused_or_dropped": failures,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
    }


def _drop_slot(url: str, slot: str) -> None:
    """Drop ``slot`` once its engine's connection has closed (a moment after its process ends)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(60):
            try:
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                    (slot,),
                )
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.5)


def wait_sync(base_url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(f"{base_url}/v1/health", timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("sync did not become ready")
        time.sleep(0.2)


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    email = env.users["ADMIN"]
    token = env.token(email)
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute("SELECT id::text FROM users WHERE email = %s", (email,)).fetchone()
    assert row is not None
    process = psutil.Process(env.api_pid)
    results: dict[str, Any] = {"initial_sync": initial_sync(env, token, str(row[0]))}
    idle = process.memory_info().rss
    asyncio.run(_live_latency(env, [token], writes=3))  # (not counted: the shape is new, the caches cold)
    live = []
    for clients in (1, 10) if smoke else (1, 100, 1000):
        live.append(asyncio.run(_live_latency(env, [token] * clients, writes=3 if smoke else 10)))
    biggest = live[-1]
    results["live"] = live
    results["live_workers"], results["reconnect_storm"] = _with_workers(
        env, token, biggest["clients"], writes=3 if smoke else 10, storm_clients=20 if smoke else HELD_CLIENTS
    )
    managers = _manager_tokens(env, 5 if smoke else 1000)
    results["beside_user_shapes"] = [
        asyncio.run(_beside_user_shapes(env, token, managers[:count], writes=3 if smoke else 10))
        for count in ((0, 5) if smoke else (0, 100, 1000))
    ]
    results["change_rate"] = _change_rate(env, token, 300 if smoke else 20_000)
    # Many clients held at once, and answered by one change (how much each costs the process).
    held = asyncio.run(_live_latency(env, [token] * (20 if smoke else HELD_CLIENTS), writes=2))
    results["memory"] = {
        "api_rss_mb_idle": round(idle / 1e6, 1),
        "held_clients": held["clients"],
        "kb_per_held_client": held["kb_per_held_client"],
        "api_rss_mb_while_held": held["api_rss_mb_while_held"],
        "answered_p50_ms": held["p50_ms"],
        "answered_p99_ms": held["p99_ms"],
    }
    return results
