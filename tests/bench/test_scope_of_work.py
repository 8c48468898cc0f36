"""The photo upload and scope editing benchmarks at their smallest, on a test database: they
do what they measure (photos stored, counted and sized; lines changed, turn totals kept).
Timings are reported, never asserted."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from bench import photos, scope
from tests.fixtures.factory import Factory, login
from tests.fixtures.server import LiveServer
from turns.db.urls import DatabaseUrls


@pytest.fixture
def untraced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's own processes (its API server, its load clients) run without the coverage
    tracer, as in the benchmark smoke test: what they run is covered elsewhere."""
    for name in [name for name in os.environ if name.startswith("COVERAGE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def manager_turns(factory: Factory, client: httpx.Client) -> tuple[str, str, list[str]]:
    """A property manager's id and token, and two turns of theirs."""
    manager = factory.user("PROPERTY_MANAGER")
    home = factory.property(manager)
    return str(manager.id), login(client, manager), [str(factory.turn(home)) for _ in range(2)]


@pytest.mark.usefixtures("untraced")
def test_photo_upload_benchmark_stores_counts_and_sizes_every_photo(
    db: DatabaseUrls, factory: Factory, manager_turns: tuple[str, str, list[str]], tmp_path: Path
) -> None:
    _, token, turns = manager_turns
    result = photos.measure(db, token, turns, tmp_path / "inputs", photos=4, size_bytes=60_000, clients=2, processes=1)
    api, direct, jobs = result["api"], result["direct"], result["size_jobs"]
    assert (api["photos"], api["errors"], api["stored_rows"], api["stored_files"]) == (4, 0, 4, 4)
    assert (direct["photos"], direct["errors"], direct["stored_files"]) == (4, 0, 4)
    assert (jobs["photos"], jobs["files"]) == (4, 12)  # each photo's original, display and thumbnail
    assert result["sent_mb"] == pytest.approx(0.24, abs=0.05) and api["mb_per_s"] > 0 and result["throughput_ratio"] > 0
    memory = result["api_memory"]
    assert 0 < memory["rss_mb_idle"] <= memory["rss_mb_peak"]
    assert factory.query("SELECT count(*) FROM photos") == [(0,)]  # the run's rows are removed after it
    assert factory.query("SELECT count(*) FROM photo_blobs_gone") == [(0,)]


@pytest.mark.usefixtures("untraced")
def test_scope_editing_benchmark_changes_lines_and_keeps_turn_totals(
    db: DatabaseUrls, factory: Factory, manager_turns: tuple[str, str, list[str]], live_server: LiveServer
) -> None:
    user_id, token, turns = manager_turns
    result = scope.measure(
        live_server.base_url, db.app, token, user_id, turns, lines=5, requests_per_client=5, seconds=30, processes=1
    )
    for operation in ("edit", "read"):
        for path in ("api", "direct"):
            assert (result[operation][path]["requests"], result[operation][path]["errors"]) == (10, 0)
        assert result[operation]["p50_ratio"] > 0
    # 5 lines per turn, written at version 1; each of the 20 edits (API and direct) adds one.
    rows = factory.query("SELECT count(*), sum(version) FROM scope_lines WHERE turn_id = ANY(%s::uuid[])", (turns,))
    assert rows == [(10, 10 + 20)]
    assert 0 < result["lines_edited"] <= 10 and result["turn_totals_right"] == 2
