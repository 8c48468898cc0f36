"""Run the benchmarks: ``python -m bench [--smoke] [--only api] [--properties N]``.

Writes the figures to a JSON file and renders them into docs/benchmarks.md (between
markers, so sections written by other benchmark scripts stay as they are).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bench import api, backups, photos, replicas, reports, scope, sync, web
from bench.harness import ROOT, environment, machine, run_line, write_results
from bench.load import start_workers
from bench.profile import profiled, summary

BENCHMARKS = {
    "api": api.run,
    "sync": sync.run,
    "reports": reports.run,
    "replicas": replicas.run,
    "web": web.run,
    "photos": photos.run,
    "scope": scope.run,
    "backups": backups.run,
}
START, END = "<!-- bench:api -->", "<!-- /bench:api -->"
PROFILES = ROOT / "docs" / "images" / "bench"


def render(results: dict[str, Any]) -> str:
    info = results["machine"]
    lines = [
        START,
        "## API against direct SQL",
        "",
        f"Machine of the latest run: {info['cpus']} CPUs ({info['platform']}), Python {info['python']}, "
        f"{info['postgres']}. Each section says when, at what size and with which command it was measured.",
        "",
        "Load generators are separate processes on loopback; the direct baseline runs the same transaction "
        "(acting user set, RLS on, same trigger work) with psycopg on the same server in the same run.",
        "",
    ]
    data = results.get("api")
    if data:
        update = data["turn_update"]
        lines += [
            run_line(data),
            "",
            f"**Turn update** ({update['clients']} clients, RLS + version check + audit):",
            "",
            "| path | p50 ms | p95 ms | p99 ms | per second | machine CPU ms per update |",
            "| --- | --- | --- | --- | --- | --- |",
            *(
                f"| {name} | {update[name]['p50_ms']} | {update[name]['p95_ms']} | {update[name]['p99_ms']} | "
                f"{update[name]['throughput_per_s']} | {update[name].get('cpu_ms_per_op', '')} |"
                for name in ("api", "direct")
            ),
            "",
            f"API / direct: {update['p50_ratio']}x the median latency, {update['throughput_ratio']}x the throughput.",
            *_cpu_bound(update, info["cpus"]),
            "",
            "**Turn list** (50 rows as a property manager, RLS):",
            "",
            "| clients | API p50 / p95 / p99 ms | direct p50 / p95 / p99 ms | API per s | direct per s | p50 ratio |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for clients, row in data["turn_list"].items():
            a, d = row["api"], row["direct"]
            lines.append(
                f"| {clients} | {a['p50_ms']} / {a['p95_ms']} / {a['p99_ms']} | {d['p50_ms']} / "
                f"{d['p95_ms']} / {d['p99_ms']} | {a['throughput_per_s']} | {d['throughput_per_s']} | "
                f"{row['p50_ratio']}x |"
            )
        lines += render_workers(data.get("workers"))
        lines += render_data_access(data.get("data_access"))
        login = data["login"]
        lines += [
            "",
            f"**Login**: {login['throughput_per_s']} logins/s with 2 clients, p50 {login['p50_ms']} ms — "
            "argon2id (64 MiB, 3 passes) is meant to cost this much; it bounds password guessing.",
            *_memory_by_step(data.get("api_rss_mb")),
        ]
    lines += render_sync(results.get("sync"))
    lines += reports.render_reports(results.get("reports"))
    lines += replicas.render_replicas(results.get("replicas"))
    lines += web.render_web(results.get("web"))
    lines += render_scope_of_work(results.get("photos"), results.get("scope"))
    lines += backups.render_backups(results.get("backups"))
    lines += render_profiles(results)
    lines.append(END)
    return "\n".join(lines) + "\n"


def _memory_by_step(rss: dict[str, float] | None) -> list[str]:
    """The API process's resident memory after each step of the benchmark, as one line."""
    if not rss:
        return []
    steps = ", ".join(f"{step.replace('_', ' ')} {mb}" for step, mb in rss.items())
    return ["", f"**The API process's memory** (RSS, MB) at the start and after each step: {steps}."]


def _cpu_bound(update: dict[str, Any], cores: int) -> list[str]:
    """What the machine's CPU allows each path: its cores over the CPU time one update took, all
    processes together (PostgreSQL, the API, the clients, the sync engine decoding the change)."""
    api, direct = update["api"].get("cpu_ms_per_op"), update["direct"].get("cpu_ms_per_op")
    if not api or not direct:
        return []
    return [
        "",
        f"Every process on the machine together spent {api} ms of CPU per update through the API and {direct} ms "
        "per direct update (above what the machine was busy with before each load: the profiler, PostgreSQL's "
        f"background work): with {cores} cores busy, at most {round(cores * 1000 / api)} and "
        f"{round(cores * 1000 / direct)} updates/s. The throughput ratio is bounded by the CPU ratio "
        f"({round(direct / api, 2)}x) on a machine the clients, the API and PostgreSQL share.",
    ]


def _health_during_delete(health: dict[str, Any] | None) -> list[str]:
    if not health:
        return []
    return [
        "",
        f"While that shape was deleted (`DELETE /v1/shape`, and a second after), `/healthz` answered "
        f"{health['requests']} requests one at a time: p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, "
        f"slowest {health['max_ms']} ms.",
    ]


def _change_rate(rate: dict[str, Any] | None) -> list[str]:
    if not rate:
        return []
    return [
        f"**Row changes per second** with those users' shapes still indexed: {rate['changes']} one-row turn "
        f"updates, each its own transaction, written in {rate['write_s']} s by 8 connections' server-side "
        f"loops while the API process (and its engine) was paused; once it resumed, the engine read them from "
        f"the slot and the last reached its client {rate['caught_up_s']} s later: {rate['changes_per_s']} "
        "changes/s.",
        "",
    ]


def _live_workers(row: dict[str, Any] | None) -> list[str]:
    if not row:
        return []
    return [
        "",
        f"With `turns serve --workers {row['workers']}` (the engine in `turns sync`, the workers woken over its "
        f"socket): {row['clients']} clients, {row['deliveries']} deliveries, p50 {row['p50_ms']} ms, "
        f"p99 {row['p99_ms']} ms; the server's processes held {row['api_rss_mb_while_held']} MB.",
    ]


def _held(memory: dict[str, Any]) -> list[str]:
    return [
        f"**Held clients:** the API process held {memory['held_clients']} live long-polls of one shape at "
        f"{memory['kb_per_held_client']} kB each ({memory['api_rss_mb_while_held']} MB in all, "
        f"{memory['api_rss_mb_idle']} MB idle); one change reached them all at p50 {memory['answered_p50_ms']} ms, "
        f"p99 {memory['answered_p99_ms']} ms."
    ]


def _storm(storm: dict[str, Any] | None) -> list[str]:
    if storm is None:
        return []
    return [
        "",
        f"**Reconnect storm:** {storm['clients']} clients held long-polls on a `turns serve` (a worker per core) "
        f"that was then killed with SIGKILL and started again on its port ({storm['restart_s']} s later; sync "
        f"ready after {storm['sync_ready_s']} s). Every client retried at once, after a random pause of 0.1 to "
        f"1 s ({storm['refused_or_dropped']} requests refused or dropped in all); one change then reached "
        f"{storm['converged']} of them, p50 {storm['p50_ms']} ms, p99 {storm['p99_ms']} ms after its commit.",
    ]


def render_workers(workers: dict[str, Any] | None) -> list[str]:
    if not workers:
        return []
    cores = str(workers["cores"])
    one, many = workers["1"], workers[cores]
    return [
        "",
        f"**Workers** (turn updates, same clients; `turns serve --workers N`, sync off): one worker "
        f"{one['throughput_per_s']}/s (p50 {one['p50_ms']} ms), {cores} workers (one per core) "
        f"{many['throughput_per_s']}/s (p50 {many['p50_ms']} ms): {workers['ratio']}x."
        + (
            f" Machine CPU per update {one['cpu_ms_per_op']} and {many['cpu_ms_per_op']} ms: one worker already"
            f" kept the cores {round(one['throughput_per_s'] * one['cpu_ms_per_op'] / 10 / int(cores))}% busy."
            if one.get("cpu_ms_per_op")
            else ""
        ),
        *_listed_by_workers(workers.get("list"), cores),
    ]


def _listed_by_workers(listed: dict[str, Any] | None, cores: str) -> list[str]:
    if not listed:
        return []
    one, many = listed["1"], listed[cores]
    return [
        "",
        f"The manager's list on the same two servers ({one['clients']} clients): one worker"
        f" {one['throughput_per_s']}/s, p50 / p95 {one['p50_ms']} / {one['p95_ms']} ms; {cores} workers"
        f" {many['throughput_per_s']}/s, p50 / p95 {many['p50_ms']} / {many['p95_ms']} ms (what `turns serve`"
        " runs by default: a worker per core).",
    ]


def render_data_access(found: dict[str, Any] | None) -> list[str]:
    if not found:
        return []
    return [
        "",
        f"**Data access** (`bench/access.py`: a turn update's transaction, {found['transactions']} one after another "
        "on one connection; this process's CPU per transaction): as the API runs it (SQLAlchemy's transaction, the "
        f"read and the update compiled once and sent on psycopg's connection) {found['api_us']} µs; every statement "
        f"through SQLAlchemy's async layer {found['sqlalchemy_us']} µs; the same statements on psycopg's async "
        f"connection alone {found['psycopg_us']} µs. Sending the two statements on psycopg's connection saves "
        f"{found['saved_us']} µs of each update; the async layer would cost {found['layer_us']} µs.",
    ]


def render_scope_of_work(uploads: dict[str, Any] | None, editing: dict[str, Any] | None) -> list[str]:
    """Photo uploads and scope editing, each against its own baseline."""
    if not uploads and not editing:
        return []
    return [
        "",
        "## Scope of work",
        "",
        "Measured on the reference machine: 2 cores shared with other work while these ran, so the figures "
        "vary from run to run; the ratios, measured in the same run, vary less.",
        *photos.render_photos(uploads),
        *scope.render_scope(editing),
    ]


def render_profiles(results: dict[str, Any]) -> list[str]:
    """The API process's CPU by library, for the benchmarks run with ``--profile``."""
    profiled = {name: data for name, data in results.items() if isinstance(data, dict) and data.get("profile")}
    if not profiled:
        return []
    lines = [
        "",
        "## Where the API process's time goes",
        "",
        "py-spy sampled the API process while each benchmark below ran (`--profile`); the share of samples "
        "whose innermost frame is in each library (idle: threads and the event loop waiting). The flame graphs "
        "open in a browser.",
    ]
    for name, data in profiled.items():
        profile = data["profile"]
        graph = Path(profile["graph"]).relative_to("docs").as_posix()
        lines += [
            "",
            f"**{name}** ([flame graph]({graph})): "
            + ", ".join(f"{part} {share}%" for part, share in profile["shares"].items() if share >= 1)
            + ".",
        ]
    return lines


def render_sync(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    first = data["initial_sync"]
    lines = [
        "",
        "## Sync against COPY",
        "",
        run_line(data),
        "",
        f"**Initial sync** of every turn as an admin ({first['rows']} rows, {first['shape_mb']} MB of messages; "
        f"rows match COPY: {first['rows_match']}):",
        "",
        "| path | rows per second | against COPY |",
        "| --- | --- | --- |",
        f"| COPY of the same rows and columns as text (same role, RLS) | {first['copy_rows_per_s']} | 1 |",
        f"| `/v1/shape` from -1, shape created (snapshot into its log) | {first['shape_created_rows_per_s']} | "
        f"{first['created_vs_copy']}x |",
        f"| `/v1/shape` from -1, shape exists (read from its log) | {first['shape_replayed_rows_per_s']} | "
        f"{first['replayed_vs_copy']}x |",
        *_health_during_delete(first.get("healthz_during_delete")),
        "",
        "**Commit to client** (clients long-polling one shape; a turn updated by another connection):",
        "",
        "| live clients | deliveries | p50 ms | p99 ms | API RSS MB while held |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {row['clients']} | {row['deliveries']} | {row['p50_ms']} | {row['p99_ms']} | "
            f"{row['api_rss_mb_while_held']} |"
            for row in data["live"]
        ),
        *_live_workers(data.get("live_workers")),
        "",
        "**Beside other users' shapes** (one admin's client; each other user, a manager, holds a live"
        " long-poll on a turns shape of their own, which the updated turn is not in):",
        "",
        "| other users' shapes | p50 ms | p99 ms |",
        "| --- | --- | --- |",
        *(
            f"| {row['user_shapes']} | {row['p50_ms']} | {row['p99_ms']} |"
            for row in data.get("beside_user_shapes", [])
        ),
        "",
        *_change_rate(data.get("change_rate")),
        *_held(data["memory"]),
        *_storm(data.get("reconnect_storm")),
    ]
    return lines


def update_docs(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n\nHow fast Turns is, measured, with the command.\n\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END) + "\n?", re.S)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="small data and short runs (what CI runs)")
    parser.add_argument("--properties", type=int, default=None, help="data size (default 100000; smoke 60)")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=sorted(BENCHMARKS))
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the API process with py-spy during each benchmark: docs/images/bench/profile-<name>.svg",
    )
    args = parser.parse_args(argv)
    properties = args.properties or (60 if args.smoke else 100_000)
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    start_workers(tuple(f"bench.{name}" for name in args.only))
    with environment(properties, args.data_dir) as env:
        results: dict[str, Any] = {"machine": machine()}
        for name in args.only:
            print(f"running {name} …", file=sys.stderr)
            graph = PROFILES / f"profile-{name}.svg"
            with profiled(env.api_pid, graph) if args.profile else nullcontext():
                results[name] = BENCHMARKS[name](env, smoke=args.smoke)
            if args.profile:
                results[name]["profile"] = {"graph": graph.relative_to(ROOT).as_posix(), "shares": summary(graph)}
            results[name]["run"] = {"date": machine()["date"], "properties": properties, "command": command.strip()}
            write_results(name, results[name], args.json)
    # Benchmarks not run this time keep the figures of their last run in the rendered page.
    stored = json.loads(args.json.read_text()) if args.json.exists() else {}
    shown = {**{k: v for k, v in stored.items() if k in BENCHMARKS}, **results}
    update_docs(args.docs, render(shown))
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
