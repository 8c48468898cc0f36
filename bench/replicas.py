"""Read replica benchmarks: a streaming standby of the benchmark's server and a second API
process reading from it (``NEON_READ_REPLICA_URL``), against baselines in the same run.

One mixed load runs in every scenario: each client has a session of its own and reads the
read path (a property summary page, the vendor list, a search) with a turn update of its
own every ``WRITE_EVERY``-th request. Scenarios:

- ``primary``: the harness's API, no replica configured: every read on the primary;
- ``replica_other_session``: the replica API, but each client writes under a second session,
  so its reads never have an own write to wait for (the replica path without the check);
- ``replica``: the replica API; a read right after the client's own write waits for the
  replica to replay it (read-your-writes) or, past ``TURNS_REPLICA_WAIT_SECONDS``, reads
  from the primary;
- ``replay_paused``: as ``replica``, with the standby's replay paused for a window in the
  middle: reads fall back to the primary, and no request may fail.

The first three take turns, a few seconds each, for a few rounds, so a drift in what else
the machine runs is shared between them. Where reads went comes from the API's
``turns_read_routes_total`` counters before and after each run.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from bench.api import ApiUpdate, turns_of, user_id_of
from bench.harness import Environment, api_starting, caught_up, run_line, standby
from bench.load import START_DELAY_S, LoadResult, run_load
from turns.db import logins
from turns.db.embedded import SUPERUSER
from turns.db.standby import Standby
from turns.monitoring.replicas import api_routes

READS: tuple[tuple[str, dict[str, str | int]], ...] = (
    ("/api/v1/reports/property-summary", {"limit": 50}),
    ("/api/v1/vendors", {"limit": 50}),
    ("/api/v1/search", {"q": "Mapel"}),
)
WRITE_EVERY = 5
"""Coprime with len(READS): the read right after a write cycles through every read, like the others."""
SCENARIOS = {
    "primary": "no replica: every read on the primary",
    "replica_other_session": "replica, writes under another session (no own write to wait for)",
    "replica": "replica, read-your-writes",
    "replay_paused": "replica, read-your-writes, replay paused",
}
KINDS = ("after_write", "other", "write")


@dataclass(frozen=True)
class MixedClient:
    """One client of the mixed load; it appends ``kind<TAB>started<TAB>ms`` per request to
    ``<records>/<client>`` (``started``: wall-clock seconds, so the runs' active time can be measured)."""

    base_url: str
    read_tokens: list[str]
    write_tokens: list[str]
    turn_ids: list[str]
    records: str

    def __call__(self, client: int) -> Callable[[], None]:
        headers = {"Authorization": f"Bearer {self.read_tokens[client]}"}
        http = httpx.Client(base_url=self.base_url, headers=headers, timeout=60)
        write = ApiUpdate(self.base_url, self.write_tokens[client], self.turn_ids)(client)
        record = os.open(Path(self.records) / str(client), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        state = {"n": 0, "wrote": False}

        def operation() -> None:
            n = state["n"]
            state["n"] += 1
            started, began = time.time(), time.perf_counter()
            if n % WRITE_EVERY == WRITE_EVERY - 1:
                write()
                kind, state["wrote"] = "write", True
            else:
                path, params = READS[n % len(READS)]
                http.get(path, params=params).raise_for_status()
                kind, state["wrote"] = ("after_write" if state["wrote"] else "other"), False
            os.write(record, f"{kind}\t{started}\t{(time.perf_counter() - began) * 1000}\n".encode())

        return operation


@dataclass(frozen=True)
class Load:
    clients: int
    requests_per_client: int
    seconds: float
    rounds: int = 1


@dataclass(frozen=True)
class Scenario:
    base_url: str
    read_tokens: list[str]
    write_tokens: list[str]


@dataclass
class Sample:
    """What the runs of one scenario measured, pooled."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    failed: int = 0
    seconds: float = 0.0
    routes: Counter[str] = field(default_factory=Counter)

    def summary(self, clients: int) -> dict[str, Any]:
        def of(latencies: list[float]) -> dict[str, float]:
            return LoadResult(clients, latencies, 0, self.seconds).summary()

        routed = sum(self.routes.values())
        replica = sum(count for key, count in self.routes.items() if key.startswith("replica/"))
        return {
            "reads": of(self.latencies["after_write"] + self.latencies["other"]),
            "after_write": of(self.latencies["after_write"]),
            "other": of(self.latencies["other"]),
            "writes": of(self.latencies["write"]),
            "failed": self.failed,
            "routes": dict(sorted(self.routes.items())),
            "replica_share": round(replica / routed, 3) if routed else 0.0,
        }


def _routes(base_url: str) -> Counter[str]:
    found = api_routes(f"{base_url}/metrics")
    return Counter({f"{target}/{reason}": round(count) for (target, reason), count in found.items()})


def _measure(scenario: Scenario, load: Load, turns: list[str], into: Sample) -> None:
    """One run of ``scenario``, added to ``into``."""
    before = _routes(scenario.base_url)
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
        factory = MixedClient(scenario.base_url, scenario.read_tokens, scenario.write_tokens, turns, folder)
        result = run_load(
            factory, clients=load.clients, requests_per_client=load.requests_per_client, seconds=load.seconds
        )
        first, last = float("inf"), 0.0
        for path in Path(folder).iterdir():
            for line in path.read_text().splitlines():
                kind, started, ms = line.split("\t")
                into.latencies[kind].append(float(ms))
                first, last = min(first, float(started)), max(last, float(started) + float(ms) / 1000)
    into.routes += _routes(scenario.base_url) - before
    into.failed += result.errors
    into.seconds += max(0.0, last - first)  # from the first request to the end of the last one


def _replica_healthy(base_url: str) -> bool:
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    return any(
        sample.name == "turns_replica_healthy" and sample.value == 1
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    )


def _wait_healthy(base_url: str) -> None:
    deadline = time.monotonic() + 60
    while not _replica_healthy(base_url):
        if time.monotonic() > deadline:
            raise RuntimeError("the API never found the replica healthy")
        time.sleep(0.1)


@contextmanager
def _replay_paused(replica: Standby, after: float, window: float) -> Iterator[None]:
    """Replay paused on ``replica`` from ``after`` seconds into the block for ``window`` seconds."""

    def pause() -> None:
        time.sleep(after)
        with psycopg.connect(replica.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            try:
                time.sleep(window)
            finally:
                conn.execute("SELECT pg_wal_replay_resume()")

    thread = threading.Thread(target=pause)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    # Rounds take turns between the scenarios, so a drift in the machine's other load is shared.
    load = Load(2, 10, 2.0) if smoke else Load(8, 10_000, 8.0, rounds=3)
    paused_load = load if smoke else Load(8, 10_000, 16.0)
    # After the load's clients begin (START_DELAY_S after it is started).
    pause_after, pause_window = (0.1, 0.5) if smoke else (5.0, 6.0)
    manager = env.users["PROPERTY_MANAGER"]
    turns = turns_of(env, user_id_of(env, manager), load.clients)

    def sessions() -> list[str]:
        return [env.token(manager) for _ in range(load.clients)]

    samples = {name: Sample() for name in SCENARIOS}
    with standby(env) as replica:
        replica_url = replica.url(logins.APP, logins.DATABASE)
        with api_starting(
            env.urls, env.server.data_dir, NEON_READ_REPLICA_URL=replica_url, TURNS_SYNC="false"
        ) as ready:
            # Signed in while the replica's API starts (each sign-in costs argon2's work), and replayed.
            own, readers, writers = sessions(), sessions(), sessions()
            caught_up(env, replica)
            base_url, _ = ready()
            scenarios = {
                "primary": Scenario(env.base_url, own, own),
                "replica_other_session": Scenario(base_url, readers, writers),
                "replica": Scenario(base_url, own, own),
            }
            if not smoke:  # a warm-up (pools, caches), not counted: a smoke run's figures only show it runs
                for scenario in scenarios.values():
                    _wait_healthy(base_url)
                    _measure(scenario, Load(load.clients, 5, 2.0), turns, Sample())
            for _ in range(load.rounds):
                for name, scenario in scenarios.items():
                    _wait_healthy(base_url)
                    _measure(scenario, load, turns, samples[name])
            _wait_healthy(base_url)
            with _replay_paused(replica, START_DELAY_S + pause_after, pause_window):
                _measure(scenarios["replica"], paused_load, turns, samples["replay_paused"])
    results = {name: sample.summary(load.clients) for name, sample in samples.items()}
    primary, routed, unchecked = results["primary"], results["replica"], results["replica_other_session"]
    return {
        "clients": load.clients,
        "seconds": load.seconds,
        "rounds": load.rounds,
        "write_every": WRITE_EVERY,
        "reads": [path for path, _ in READS],
        "pause": {"load_s": paused_load.seconds, "after_s": pause_after, "window_s": pause_window},
        "scenarios": results,
        "replica_vs_primary_p50": _ratio(routed["reads"]["p50_ms"], primary["reads"]["p50_ms"]),
        "replica_vs_primary_p95": _ratio(routed["reads"]["p95_ms"], primary["reads"]["p95_ms"]),
        "replica_vs_primary_throughput": _ratio(
            routed["reads"]["throughput_per_s"], primary["reads"]["throughput_per_s"]
        ),
        "own_write_check_p50": _ratio(routed["after_write"]["p50_ms"], routed["other"]["p50_ms"]),
        "after_write_vs_unchecked_p50": _ratio(routed["after_write"]["p50_ms"], unchecked["after_write"]["p50_ms"]),
        "write_vs_primary_p50": _ratio(routed["writes"]["p50_ms"], primary["writes"]["p50_ms"]),
    }


def render_replicas(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    pause = data["pause"]
    reads = ", ".join(f"`{path}`" for path in data["reads"])
    lines = [
        "",
        "## Read replicas",
        "",
        f"{run_line(data)} A streaming standby "
        "of the benchmark's server (`pg_basebackup`, same machine) and a second API process with "
        f"`NEON_READ_REPLICA_URL` set to it. {data['clients']} clients, each with a session of its own, reading "
        f"{reads} in turn with an update of one of its own turns every {data['write_every']}th request. The "
        f"first three scenarios take turns, {data['rounds']} x {data['seconds']:.0f} s each, after a warm-up run "
        "each. Where reads went: the API's `turns_read_routes_total` before and after.",
        "",
        "| scenario | reads per s | read p50 / p95 ms | after own write p50 ms | other reads p50 ms | "
        "write p50 ms | read by the replica | failed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in SCENARIOS.items():
        row = data["scenarios"][name]
        lines.append(
            f"| {label} | {row['reads']['throughput_per_s']} | {row['reads']['p50_ms']} / {row['reads']['p95_ms']} | "
            f"{row['after_write']['p50_ms']} | {row['other']['p50_ms']} | {row['writes']['p50_ms']} | "
            f"{row['replica_share']:.0%} | {row['failed']} |"
        )
    paused = data["scenarios"]["replay_paused"]["routes"]
    lines += [
        "",
        f"Replica / primary only: {data['replica_vs_primary_p50']}x the median read latency, "
        f"{data['replica_vs_primary_p95']}x the p95, {data['replica_vs_primary_throughput']}x the reads per "
        f"second; writes {data['write_vs_primary_p50']}x (the commit position is read after each write). "
        f"Read-your-writes: a read right after the client's own write takes {data['own_write_check_p50']}x the "
        f"median of its other reads, and {data['after_write_vs_unchecked_p50']}x a read at the same point "
        "when the write was made under another session.",
        "",
        f"Replay paused {pause['after_s']:.0f} s into a {pause['load_s']:.0f} s load for {pause['window_s']} s: "
        "reads by route " + ", ".join(f"{key} {count}" for key, count in sorted(paused.items())) + ".",
        "",
        "What it shows: the standby shares the two cores with the primary, so the latencies show what the "
        "routing costs or saves on one machine, not the capacity a replica on a machine of its own adds; there, "
        "the share read by the replica is the read load taken off the primary. A read after an own write waits "
        "only as long as replay takes, and while replay is stopped every read still succeeds: from the primary, "
        "first for the clients that have just written (`replica-behind-own-write`), then for all once the lag "
        "passes `TURNS_REPLICA_MAX_LAG_SECONDS` (`replica-unhealthy`).",
    ]
    return lines
