"""The benchmark harness in smoke mode, so it never rots: small data, short runs, the
real servers and load processes. Timings are reported, never asserted."""

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.database import ROOT


def test_bench_smoke_writes_figures(tmp_path: Path) -> None:
    results, docs = tmp_path / "results.json", tmp_path / "benchmarks.md"
    command = ["--smoke", "--json", str(results), "--docs", str(docs), "--data-dir", str(tmp_path / "data")]
    run = subprocess.run(
        [sys.executable, "-m", "bench", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    api = json.loads(results.read_text())["api"]
    update = api["turn_update"]
    for path in ("api", "direct"):
        assert update[path]["requests"] > 0 and update[path]["errors"] == 0
    assert update["p50_ratio"] > 0
    assert set(api["turn_list"]) == {"1", "10"}
    assert api["login"]["errors"] == 0
    page = docs.read_text()
    assert "<!-- bench:api -->" in page and "| api |" in page and "API / direct:" in page
