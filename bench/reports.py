"""Report, export, search and property_summary benchmarks, each against a baseline measured
in the same run on the same server:

- every ``/api/v1/reports/...`` endpoint, as an admin and as a property manager, N requests
  one after another, against the statements the report's own code sends (captured as it runs
  once on the application role, as the same user) replayed with psycopg under the same RLS;
- ``/api/v1/exports/turns.csv`` and ``turns.xlsx`` as an admin: rows per second against
  ``COPY`` of the same query as CSV (same role, RLS), and the API process's peak RSS while
  each streams;
- ``/api/v1/search`` with misspelt queries, as an admin and as a manager, against the
  search's own statements replayed the same way;
- refreshing ``property_summary`` concurrently (what the job runs) against a plain refresh.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import uuid4

import httpx
import psutil
import psycopg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.api import compare
from bench.harness import Environment, literal_sql, run_line
from bench.load import LoadResult
from turns.access.identity import CurrentUser
from turns.auth.transaction import open_transaction
from turns.db.context import SET_CONTEXT_SQL, Actor, system_actor
from turns.db.engines import Database, create_engine
from turns.db.urls import DatabaseUrls
from turns.exports.datasets import RESOURCES
from turns.exports.options import ExportOptions
from turns.reports import by_stage, snapshots, summary
from turns.reports.filters import ReportBuilder, ReportFilters
from turns.search.service import TARGETS, search
from turns.unit_turns.service import TurnFilters

Work = Callable[[AsyncConnection], Awaitable[object]]
Statement = tuple[str, Any]


REPORTS: dict[str, ReportBuilder] = {**snapshots.SNAPSHOTS, "pipeline": by_stage.pipeline}
SUMMARY_PAGE = 50
SEARCHES = ("Mapel", "Sycamor Ave", "Keystne Handyman", "Peachtre Make Ready", "Hickroy")
ROLES = ("ADMIN", "PROPERTY_MANAGER")


@dataclass(frozen=True)
class Caller:
    user: CurrentUser
    token: str


def _caller(env: Environment, role: str) -> Caller:
    email = env.users[role]
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute("SELECT id, role::text, vendor_id FROM users WHERE email = %s", (email,)).fetchone()
    assert row is not None
    user = CurrentUser(id=row[0], email=email, role=row[1], vendor_id=row[2], session_id=uuid4())
    return Caller(user, env.token(email))


BUDGET_S = 20.0
"""Time a series of runs may take: slow reports at operator scale stop early (after 5 runs at least)."""


def _timed(operation: Callable[[], object], repeat: int) -> LoadResult:
    """Up to ``repeat`` runs of ``operation`` one after another, within BUDGET_S, after one run not
    counted (warm-up)."""
    operation()
    latencies: list[float] = []
    started = time.perf_counter()
    while len(latencies) < repeat and (len(latencies) < 5 or time.perf_counter() - started < BUDGET_S):
        began = time.perf_counter()
        operation()
        latencies.append((time.perf_counter() - began) * 1000)
    return LoadResult(1, latencies, 0, time.perf_counter() - started)


async def _capture_async(urls: DatabaseUrls, user: CurrentUser, work: Work) -> list[Statement]:
    engine = create_engine(urls.app, application_name="bench-capture", pool_size=1)
    sent: list[Statement] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, context: object, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        actor = Actor(user_id=user.id, context="bench")
        async with open_transaction(Database(urls=urls, primary=engine), actor, read_only=True) as conn:
            sent.clear()  # the transaction's own set-up: the replay does it itself
            await work(conn)
    finally:
        await engine.dispose()
    if not sent:
        raise RuntimeError("nothing was captured: the baseline would measure an empty transaction")
    return sent


def captured(env: Environment, user: CurrentUser, work: Work) -> list[Statement]:
    """The statements ``work`` sends, as ``user``, on the application role."""
    return asyncio.run(_capture_async(env.urls, user, work))


def _direct(env: Environment, user: CurrentUser, statements: list[Statement], repeat: int) -> LoadResult:
    """``statements`` in a read-only transaction acting as ``user`` (RLS on), as the API's read path does."""
    actor = Actor(user_id=user.id, context="bench").params()
    with psycopg.connect(env.urls.app, prepare_threshold=None) as conn:

        def once() -> None:
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute(SET_CONTEXT_SQL, actor)
                for sql, params in statements:
                    conn.execute(sql, params).fetchall()

        return _timed(once, repeat)


def _api(env: Environment, caller: Caller, path: str, params: dict[str, Any], repeat: int) -> LoadResult:
    headers = {"Authorization": f"Bearer {caller.token}"}
    with httpx.Client(base_url=env.base_url, headers=headers, timeout=600) as http:
        return _timed(lambda: http.get(path, params=params).raise_for_status(), repeat)


def report_latency(env: Environment, callers: dict[str, Caller], repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for role, caller in callers.items():
        user = caller.user
        works: dict[str, tuple[Work, dict[str, Any]]] = {
            name: (partial(snapshots.report, user=user, filters=ReportFilters(), name=name, build=build), {})
            for name, build in REPORTS.items()
        }
        page = partial(
            summary.property_summary,
            user=user,
            filters=ReportFilters(),
            sort="property_id",
            cursor=None,
            limit=SUMMARY_PAGE,
        )
        works["property-summary"] = (page, {"limit": SUMMARY_PAGE})
        for name, (work, params) in works.items():
            api = _api(env, caller, f"/api/v1/reports/{name}", params, repeat)
            direct = _direct(env, user, captured(env, user, work), repeat)
            results.setdefault(name, {})[role] = compare(api, direct)
    return results


async def _take_snapshots(urls: DatabaseUrls) -> dict[str, float]:
    database = Database.connect(urls, pool_size=1)
    taken: dict[str, float] = {}
    try:
        for name in snapshots.SNAPSHOTS:
            began = time.perf_counter()
            async with open_transaction(database, system_actor("bench")) as conn:
                await snapshots.take(conn, name)
            taken[name] = round((time.perf_counter() - began) * 1000, 1)
    finally:
        await database.dispose()
    return taken


def take_snapshots(env: Environment) -> dict[str, float]:
    """Take every report snapshot, as the reporting job does: the milliseconds each took."""
    return asyncio.run(_take_snapshots(env.urls))


def _pooled(runs: list[LoadResult]) -> LoadResult:
    return LoadResult(1, [ms for run in runs for ms in run.latencies_ms], 0, sum(run.seconds for run in runs))


def search_latency(env: Environment, callers: dict[str, Caller], repeat: int) -> dict[str, Any]:
    """Every query ``repeat`` times; the latencies of all queries together, per role."""
    results: dict[str, Any] = {"queries": list(SEARCHES)}
    kinds = list(TARGETS)
    for role, caller in callers.items():
        api: list[LoadResult] = []
        direct: list[LoadResult] = []
        for q in SEARCHES:
            api.append(_api(env, caller, "/api/v1/search", {"q": q}, repeat))
            work = partial(search, user=caller.user, q=q, kinds=kinds, limit=20)
            direct.append(_direct(env, caller.user, captured(env, caller.user, work), repeat))
        results[role] = compare(_pooled(api), _pooled(direct))
    return results


class PeakRss:
    """The highest RSS of a process, sampled in a thread while the block runs."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.idle = self.peak = self.process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def _copy_csv(env: Environment, user: CurrentUser, select: str) -> int:
    size = 0
    with psycopg.connect(env.urls.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=user.id, context="bench").params())
        with conn.cursor().copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                size += len(chunk)
    return size


def _export(env: Environment, caller: Caller, fmt: str) -> int:
    size = 0
    headers = {"Authorization": f"Bearer {caller.token}"}
    with (
        httpx.Client(base_url=env.base_url, headers=headers, timeout=3600) as http,
        http.stream("GET", f"/api/v1/exports/turns.{fmt}") as response,
    ):
        if response.status_code != 200:  # a 202 would mean a background job: raise the stream limit
            raise RuntimeError(f"the export was not streamed: {response.status_code}")
        for chunk in response.iter_bytes():
            size += len(chunk)
    return size


def _seconds(operation: Callable[[], int], runs: int) -> tuple[float, int]:
    """The median seconds of ``runs`` runs of ``operation``, and what it returned."""
    times: list[float] = []
    result = 0
    for _ in range(runs):
        began = time.perf_counter()
        result = operation()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def export(env: Environment, admin: Caller, runs: int) -> dict[str, Any]:
    """The export's rows per second against two COPYs as the same user: of the very statement
    the API's COPY sends (the readable cells: names, labels, dates), and of the table's stored
    columns (nothing to compute per cell: the floor)."""
    user = admin.user
    turns = RESOURCES["turns"]
    select = literal_sql(turns.copy_query(TurnFilters(), user.role, ExportOptions()))
    columns = literal_sql(turns.query(TurnFilters(), user.role, "csv"))
    with psycopg.connect(env.urls.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=user.id, context="bench").params())
        counted = conn.execute(f"SELECT count(*) FROM ({select}) t").fetchone()
    rows = int(counted[0]) if counted else 0
    copy_s, copy_bytes = _seconds(lambda: _copy_csv(env, user, select), runs)
    columns_s, columns_bytes = _seconds(lambda: _copy_csv(env, user, columns), runs)
    with PeakRss(env.api_pid) as rss:
        api_s, api_bytes = _seconds(lambda: _export(env, admin, "csv"), runs)
    with PeakRss(env.api_pid) as xlsx_rss:
        xlsx_s, xlsx_bytes = _seconds(lambda: _export(env, admin, "xlsx"), 1)
    return {
        "rows": rows,
        "copy_rows_per_s": round(rows / copy_s),
        "copy_columns_rows_per_s": round(rows / columns_s),
        "api_rows_per_s": round(rows / api_s),
        "api_vs_copy": round(copy_s / api_s, 3),
        "api_vs_copy_columns": round(columns_s / api_s, 3),
        "copy_mb": round(copy_bytes / 1e6, 1),
        "copy_columns_mb": round(columns_bytes / 1e6, 1),
        "api_mb": round(api_bytes / 1e6, 1),
        "api_rss_mb_idle": round(rss.idle / 1e6, 1),
        "api_rss_mb_peak": round(rss.peak / 1e6, 1),
        "xlsx_rows_per_s": round(rows / xlsx_s),
        "xlsx_vs_copy": round(copy_s / xlsx_s, 3),
        "xlsx_mb": round(xlsx_bytes / 1e6, 1),
        "xlsx_rss_mb_idle": round(xlsx_rss.idle / 1e6, 1),
        "xlsx_rss_mb_peak": round(xlsx_rss.peak / 1e6, 1),
    }


def _refresh(env: Environment, concurrently: bool) -> int:
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        conn.execute("SELECT refresh_property_summary(%s)", (concurrently,))
    return 0


def refresh(env: Environment, runs: int) -> dict[str, Any]:
    with psycopg.connect(env.urls.owner) as conn:
        counted = conn.execute("SELECT count(*) FROM property_summary").fetchone()
    concurrent_s, _ = _seconds(lambda: _refresh(env, True), runs)
    plain_s, _ = _seconds(lambda: _refresh(env, False), runs)
    return {
        "rows": int(counted[0]) if counted else 0,
        "runs": runs,
        "concurrent_ms": round(concurrent_s * 1000, 1),
        "plain_ms": round(plain_s * 1000, 1),
        "concurrent_vs_plain": round(concurrent_s / plain_s, 2),
    }


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    repeat = 1 if smoke else 30
    callers = {role: _caller(env, role) for role in ROLES}
    taken = take_snapshots(env)
    return {
        "repeat": repeat,
        "snapshots_ms": taken,
        "reports": report_latency(env, callers, repeat),
        "search": search_latency(env, callers, repeat),
        "export": export(env, callers["ADMIN"], runs=1 if smoke else 2),
        "refresh": refresh(env, runs=1 if smoke else 3),
    }


def render_reports(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    lines = [
        "",
        "## Reports, exports and search against direct SQL",
        "",
        run_line(data),
        "",
        f"**Reports** (up to {data['repeat']} requests each within {BUDGET_S:.0f} s, one after another; direct: "
        "the statements the report's own code sends, replayed with psycopg in a read-only transaction as the "
        "same user, RLS on):",
        "",
        "| report | role | API p50 / p95 ms | direct p50 / p95 ms | p50 ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, roles in data["reports"].items():
        for role, row in roles.items():
            a, d = row["api"], row["direct"]
            lines.append(
                f"| {name} | {role} | {a['p50_ms']} / {a['p95_ms']} | {d['p50_ms']} / {d['p95_ms']} | "
                f"{row['p50_ratio']}x |"
            )
    taken = data.get("snapshots_ms")
    if taken:
        lines += [
            "",
            "Before the requests, the reporting job's work was run once: each admin-wide snapshot took "
            + ", ".join(f"{name} {ms} ms" for name, ms in taken.items())
            + " to compute (an admin's unfiltered report reads it; every other one is computed on request).",
        ]
    found = data["search"]
    lines += [
        "",
        f"**Search** (misspelt: {', '.join(f'`{q}`' for q in found['queries'])}; every kind of record, 20 hits; "
        f"{data['repeat']} requests per query, pooled):",
        "",
        "| role | API p50 / p95 ms | direct p50 / p95 ms | p50 ratio |",
        "| --- | --- | --- | --- |",
        *(
            f"| {role} | {found[role]['api']['p50_ms']} / {found[role]['api']['p95_ms']} | "
            f"{found[role]['direct']['p50_ms']} / {found[role]['direct']['p95_ms']} | {found[role]['p50_ratio']}x |"
            for role in ROLES
        ),
    ]
    out, fresh = data["export"], data["refresh"]
    lines += [
        "",
        f"**Export** of every turn as an admin ({out['rows']} rows):",
        "",
        "| path | rows per second | MB | against COPY |",
        "| --- | --- | --- | --- |",
        f"| COPY of the same query as CSV (same role, RLS) | {out['copy_rows_per_s']} | {out['copy_mb']} | 1 |",
        *(
            [
                f"| COPY of the stored columns, nothing computed per cell | {out['copy_columns_rows_per_s']} | "
                f"{out['copy_columns_mb']} | {round(out['copy_columns_rows_per_s'] / out['copy_rows_per_s'], 3)}x |"
            ]
            if "copy_columns_rows_per_s" in out
            else []
        ),
        f"| `/api/v1/exports/turns.csv`, streamed | {out['api_rows_per_s']} | {out['api_mb']} | "
        f"{out['api_vs_copy']}x |",
        *(
            [
                f"| `/api/v1/exports/turns.xlsx`, streamed | {out['xlsx_rows_per_s']} | {out['xlsx_mb']} | "
                f"{out['xlsx_vs_copy']}x |"
            ]
            if "xlsx_rows_per_s" in out
            else []
        ),
        *(
            [
                "",
                f"Against the COPY of the stored columns, the CSV export runs at {out['api_vs_copy_columns']}x "
                "(the readable cells, written by PostgreSQL, are most of the difference).",
            ]
            if "api_vs_copy_columns" in out
            else []
        ),
        "",
        f"The API process's RSS rose from {out['api_rss_mb_idle']} MB to a peak of {out['api_rss_mb_peak']} MB "
        "while it streamed the CSV"
        + (
            f", and from {out['xlsx_rss_mb_idle']} MB to {out['xlsx_rss_mb_peak']} MB while it streamed the xlsx."
            if "xlsx_rss_mb_peak" in out
            else "."
        ),
        "",
        f"**property_summary refresh** ({fresh['rows']} rows, median of {fresh['runs']}): concurrently (what the "
        f"job runs; readers never blocked) {fresh['concurrent_ms']} ms, a plain refresh {fresh['plain_ms']} ms "
        f"({fresh['concurrent_vs_plain']}x).",
    ]
    return lines
