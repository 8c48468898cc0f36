"""Web app benchmarks in headless Chromium, against baselines measured in the same run:

- time to the first board render for an admin with every turn synced (about 2,000 turns at
  200 properties), from navigation to the board showing its count, first when the server
  creates the user's shapes and then from their logs; against reading the same shapes over
  plain HTTP without a browser;
- live update delay between two browsers: one moves a card, the other shows it in its new
  column; against the same move through the API seen by a plain HTTP long-poll.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from contextlib import nullcontext
from typing import Any

import httpx
import psycopg
from playwright.sync_api import Browser, Page, sync_playwright

from bench.harness import PASSWORD, ROOT, Environment, environment, run_line
from bench.sync import shape_rows
from turns.db.context import SET_CONTEXT_SQL, system_actor

PROPERTIES = 260  # the 60 demo properties and 200 generated ones, about 10 turns each: 2,000 turns synced
TABLES = ("turns", "properties", "notifications", "turn_stages", "vendors", "users", "utility_providers")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(300_000)
    page = context.new_page()
    answer = page.goto("/")
    if answer is None or not answer.ok:  # the web app is not built: say so now, not after the timeout
        raise RuntimeError(f"{base_url}/ answered {answer and answer.status}: {page.inner_text('body')[:300]}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("active turns").wait_for()
    return page


def _render_s(page: Page, active: int) -> float:
    """Seconds from navigation to the board showing every active turn of the user."""
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto("/")
    page.get_by_text(f"{active} of {active} active turns").wait_for()
    return time.perf_counter() - started


def _http_read_s(base_url: str, token: str) -> float:
    started = time.perf_counter()
    for table in TABLES:
        shape_rows(base_url, token, {"table": table})
    return time.perf_counter() - started


def _counts(env: Environment) -> tuple[int, int]:
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute("SELECT count(*), count(*) FILTER (WHERE is_active) FROM turns").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _movable(env: Environment) -> tuple[str, str, str, str]:
    """(turn id, turn number, its stage, the next stage) of a turn that may move without requirements."""
    with psycopg.connect(env.urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute(
            "SELECT t.id::text, t.turn_id, s.name, n.name FROM turns t JOIN turn_stages s ON s.id = t.stage_id"
            " JOIN turn_stages n ON n.display_order = s.display_order + 1"
            " WHERE t.is_active AND s.name = 'In Progress' AND t.vendor_id IS NOT NULL ORDER BY t.turn_id LIMIT 1"
        ).fetchone()
    assert row is not None, "no turn in progress with a vendor"
    return str(row[0]), str(row[1]), str(row[2]), str(row[3])


def _live_browser_ms(mover: Page, watcher: Page, turn: tuple[str, str, str, str], moves: int) -> list[float]:
    _, number, here, there = turn
    delays = []
    for n in range(moves):
        target = there if n % 2 == 0 else here
        card = mover.locator(f'.card[data-turn="{number}"]')
        started = time.perf_counter()
        card.get_by_label(f"Move {number} to another stage").select_option(target)
        watcher.locator(f'[data-stage="{target}"] .card[data-turn="{number}"]').wait_for()
        delays.append((time.perf_counter() - started) * 1000)
        mover.locator(f'[data-stage="{target}"] .card[data-turn="{number}"]').wait_for()
    return delays


def _long_poll(base_url: str, headers: dict[str, str], query: dict[str, str], arrived: list[float]) -> None:
    """One live request: note when it answers, and move ``query`` on to the answer's offset."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as poll:
        reply = poll.get("/v1/shape", params={**query, "live": "true"})
        arrived.append(time.perf_counter())
        query.update(offset=reply.headers["electric-offset"], handle=reply.headers["electric-handle"])


def _live_http_ms(base_url: str, token: str, turn: tuple[str, str, str, str], moves: int) -> list[float]:
    """The same moves through the API, each seen by a plain long-poll on the turn's shape."""
    turn_id = turn[0]
    headers = {"Authorization": f"Bearer {token}"}
    delays = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        stages = {s["name"]: s["id"] for s in http.get("/api/v1/turn-stages", params={"limit": 100}).json()["items"]}
        params = {"table": "turns", "where": "id = $1", "params[1]": turn_id}
        query = {**params, "offset": "-1"}
        while True:  # to the end of the snapshot
            response = http.get("/v1/shape", params=query)
            query = {
                **params,
                "offset": response.headers["electric-offset"],
                "handle": response.headers["electric-handle"],
            }
            if "electric-up-to-date" in response.headers:
                break
        for n in range(moves):
            target = turn[3] if n % 2 == 0 else turn[2]
            version = http.get(f"/api/v1/turns/{turn_id}").json()["version"]
            arrived: list[float] = []
            follower = threading.Thread(target=_long_poll, args=(base_url, headers, query, arrived))
            follower.start()
            time.sleep(0.2)  # the long-poll is waiting
            started = time.perf_counter()
            moved = http.post(
                f"/api/v1/turns/{turn_id}/transition", json={"to_stage_id": stages[target], "version": version}
            )
            moved.raise_for_status()
            follower.join()
            delays.append((arrived[0] - started) * 1000)
    return delays


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 1), "max_ms": round(ordered[-1], 1)}


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("the web benchmark needs Chromium: install Debian's `chromium` package")
    # The board is measured at the size a person works with (about 2,000 turns), not at the
    # operator scale of the other benchmarks: a larger run gets a data set of its own.
    small = env.properties <= PROPERTIES
    with nullcontext(env) if small else environment(PROPERTIES, ROOT / ".turns" / f"bench-web-{PROPERTIES}") as web:
        synced, active = _counts(web)
        email = web.users["ADMIN"]
        token = web.token(email)
        turn = _movable(web)
        moves = 2 if smoke else 20
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
            page = _signed_in(browser, web.base_url, email)
            first_s = _render_s(page, active)  # shapes created on the server by the sign-in above
            warm = [_render_s(page, active) for _ in range(1 if smoke else 10)]
            http_s = statistics.median(_http_read_s(web.base_url, token) for _ in range(1 if smoke else 3))
            watcher = _signed_in(browser, web.base_url, email)
            browser_ms = _live_browser_ms(page, watcher, turn, moves)
            browser.close()
        http_ms = _live_http_ms(web.base_url, token, turn, moves)
    render_s = statistics.median(warm)
    return {
        "properties": web.properties,
        "turns_synced": synced,
        "active_turns_on_board": active,
        "first_render": {
            "after_sign_in_s": round(first_s, 2),
            "median_s": round(render_s, 2),
            "http_read_s": round(http_s, 2),
            "render_vs_http_read": round(render_s / http_s, 2),
        },
        "live": {
            "moves": moves,
            "browser_to_browser": _summary(browser_ms),
            "api_to_long_poll": _summary(http_ms),
            "browser_vs_http": round(statistics.median(browser_ms) / statistics.median(http_ms), 2),
        },
    }


def render_web(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    first, live = data["first_render"], data["live"]
    b, h = live["browser_to_browser"], live["api_to_long_poll"]
    return [
        "",
        "## Web app",
        "",
        run_line(data),
        f"Headless Chromium, an admin with {data['turns_synced']:,} turns synced ({data['active_turns_on_board']:,} "
        f"active on the board), {data['properties']} properties.",
        "",
        "| measure | web app | baseline | ratio |",
        "| --- | --- | --- | --- |",
        f"| board rendered after navigation (median) | {first['median_s']} s | {first['http_read_s']} s reading the "
        f"7 shapes over HTTP | {first['render_vs_http_read']}x |",
        f"| live move, browser to browser (p50 / max) | {b['p50_ms']} / {b['max_ms']} ms | {h['p50_ms']} / "
        f"{h['max_ms']} ms API write to long-poll | {live['browser_vs_http']}x |",
        "",
        f"The first board after sign-in, when the server creates the user's shapes, took {first['after_sign_in_s']} s.",
    ]
