"""The benchmark harness in smoke mode, so it never rots: small data, short runs, the
real servers and load processes. Timings are reported, never asserted."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.fixtures.database import ROOT
from tests.fixtures.web import MISSING_CHROMIUM, missing


def test_bench_smoke_writes_figures(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        missing(MISSING_CHROMIUM)  # the web benchmark drives it
    results, docs = tmp_path / "results.json", tmp_path / "benchmarks.md"
    command = ["--smoke", "--json", str(results), "--docs", str(docs), "--data-dir", str(tmp_path / "data")]
    # Photo uploads and scope editing have small tests of their own (test_scope_of_work.py).
    command += ["--only", "api", "sync", "reports", "replicas", "web"]
    # The harness's processes (its API server, its load clients) are not measured for coverage:
    # traced, they would spend the run's CPU on the tracer, and what they run is covered elsewhere.
    untraced = {name: value for name, value in os.environ.items() if not name.startswith("COVERAGE_")}
    run = subprocess.run(
        [sys.executable, "-m", "bench", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=untraced,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    stored = json.loads(results.read_text())
    api = stored["api"]
    update = api["turn_update"]
    for path in ("api", "direct"):
        assert update[path]["requests"] > 0 and update[path]["errors"] == 0
    assert update["p50_ratio"] > 0
    assert set(api["turn_list"]) == {"1", "10"}
    workers = api["workers"]
    cores = str(workers["cores"])
    for scaled in (workers["1"], workers[cores], workers["list"]["1"], workers["list"][cores]):
        assert scaled["requests"] > 0 and scaled["errors"] == 0
    access = api["data_access"]
    assert access["api_us"] > 0 and access["sqlalchemy_us"] > 0 and access["psycopg_us"] > 0
    assert access["layer_us"] == access["sqlalchemy_us"] - access["psycopg_us"]
    assert access["saved_us"] == access["sqlalchemy_us"] - access["api_us"]
    initial = stored["sync"]["initial_sync"]
    assert initial["rows"] > 0 and initial["rows_match"] is True  # (every row a compact insert message)
    assert api["login"]["errors"] == 0
    # The API process's memory after each step, to tell which step raised it.
    memory = api["api_rss_mb"]
    assert list(memory) == ["start", "turn_update", "turn_list_1", "turn_list_10", "login"]
    assert all(mb > 0 for mb in memory.values())
    replicas = stored["replicas"]["scenarios"]
    assert list(replicas) == ["primary", "replica_other_session", "replica", "replay_paused"]
    for name, scenario in replicas.items():
        reads = scenario["reads"]["requests"]
        assert scenario["failed"] == 0 and reads > 0 and scenario["writes"]["requests"] > 0
        # Every read of the replica API is routed once, and counted where it went.
        assert sum(scenario["routes"].values()) == (0 if name == "primary" else reads)
    assert replicas["primary"]["replica_share"] == 0
    web = stored["web"]
    assert web["turns_synced"] > 0 and web["first_render"]["median_s"] > 0
    assert web["live"]["browser_to_browser"]["p50_ms"] > 0 and web["live"]["api_to_long_poll"]["p50_ms"] > 0
    page = docs.read_text()
    assert "<!-- bench:api -->" in page and "| api |" in page and "API / direct:" in page
    assert "The manager's list on the same two servers" in page
    assert "**Data access**" in page
    assert "**The API process's memory** (RSS, MB) at the start and after each step: start " in page
    assert "## Web app" in page and "| live move, browser to browser" in page
    assert "## Read replicas" in page and "| replica, read-your-writes |" in page
