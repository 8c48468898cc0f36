"""The web app opened again without a connection: the page comes from the service worker,
the rows from the device (IndexedDB), who is signed in from the session's last answer; a
warm start reads only what changed; signing out or a session that ended leaves nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, Request, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

# Sync reconnects with backoff after the connection is back, and a long-poll held from
# before a session ended answers 401 when it ends (about 20 s): allow that long.
RECONNECT_MS = 40_000
TABLES = {"turns", "properties", "notifications", "turn_stages", "vendors", "users", "utility_providers"}

# The records the app keeps in IndexedDB, as {userId, table, rows (a count), offset, handle}.
# With a user id, waits (up to 20 s) until every synced table of that user is kept.
SAVED_JS = """async ({ userId, tables }) => {
  const read = async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'turns')) return []
    const db = await new Promise((ok, fail) => {
      const request = indexedDB.open('turns')
      request.onsuccess = () => ok(request.result)
      request.onerror = () => fail(request.error)
    })
    const records = await new Promise((ok, fail) => {
      const request = db.transaction('shapes').objectStore('shapes').getAll()
      request.onsuccess = () => ok(request.result)
      request.onerror = () => fail(request.error)
    })
    db.close()
    return records.map((record) => ({ ...record, rows: record.rows.length }))
  }
  const deadline = Date.now() + 20000
  for (;;) {
    const records = await read()
    const kept = records.filter((r) => r.userId === userId).length
    if (!userId || kept === tables || Date.now() > deadline) return records
    await new Promise((wake) => setTimeout(wake, 100))
  }
}"""


def _saved(page: Page, user_id: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(user id, table) -> what the device keeps of that table; with user_id, once all are kept."""
    records = page.evaluate(SAVED_JS, {"userId": user_id, "tables": len(TABLES)})
    return {(r["userId"], r["table"]): r for r in records}


def _settled(person: Person, turns: dict[str, Any]) -> set[str]:
    """The board's turns once it shows as many as the user has."""
    expect(person.page.get_by_text(f"{len(turns)} of {len(turns)} active turns")).to_be_visible()
    return person.board_turns()


def _shape_query(request: Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(request.url).query).items()}


@dataclass
class Manager:
    """A manager on the board, with the page kept by the service worker and every table on the device."""

    api: ApiUser
    me: dict[str, Any]
    turns: dict[str, dict[str, Any]]
    person: Person
    board: set[str]
    saved: dict[tuple[str, str], dict[str, Any]]

    @property
    def page(self) -> Page:
        return self.person.page


@pytest.fixture
def manager(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> Manager:
    api = api_as(demo["PROPERTY_MANAGER"])
    me, turns = api.get("/api/v1/auth/me"), api.active_turns()
    person = sign_in(demo["PROPERTY_MANAGER"])
    board = _settled(person, turns)
    assert board == set(turns)
    worker = person.page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)")
    assert worker.endswith("/sw.js")
    saved = _saved(person.page, me["id"])
    assert {table for user, table in saved if user == me["id"]} == TABLES
    return Manager(api, me, turns, person, board, saved)


def test_a_reload_offline_shows_the_board_and_an_edit_made_then_is_sent_once(manager: Manager) -> None:
    api, me, page = manager.api, manager.me, manager.page
    turn = next(t for t in manager.turns.values() if t["stage_id"] == api.stage_id("In Progress") and t["vendor_id"])
    earlier_moves = api.field_updates(turn["id"], "stage_id")
    assert manager.saved[(me["id"], "turns")]["rows"] >= len(manager.turns)

    manager.person.context.set_offline(True)
    page.reload()

    assert _settled(manager.person, manager.turns) == manager.board
    expect(page.locator(".top .badge.offline")).to_have_text("Offline")
    expect(page.locator(".who")).to_contain_text(me["first_name"])

    move_to = manager.person.card(turn["turn_id"]).get_by_label(f"Move {turn['turn_id']} to another stage")
    move_to.select_option("Final Walk")
    expect(page.get_by_text("1 change waiting")).to_be_visible()
    expect(manager.person.in_column("Final Walk", turn["turn_id"])).to_be_visible()
    assert api.get(f"/api/v1/turns/{turn['id']}")["version"] == turn["version"]

    manager.person.context.set_offline(False)

    expect(page.get_by_text("change waiting")).to_have_count(0, timeout=RECONNECT_MS)
    expect(page.locator(".top .badge.offline")).to_have_count(0)
    expect(manager.person.in_column("Final Walk", turn["turn_id"])).to_be_visible()
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["stage_id"], stored["version"]) == (api.stage_id("Final Walk"), turn["version"] + 1)
    move, *rest = api.field_updates(turn["id"], "stage_id")
    assert rest == earlier_moves
    assert (move["user_id"], move["old_values"]["stage_id"]) == (me["id"], turn["stage_id"])


def test_signing_out_leaves_no_rows_and_a_reload_offline_asks_to_sign_in(manager: Manager) -> None:
    page = manager.page

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_label("E-mail")).to_be_visible()
    assert _saved(page) == {}
    assert page.evaluate("localStorage.getItem('turns.me')") is None
    manager.person.context.set_offline(True)
    page.reload()
    expect(page.get_by_label("E-mail")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    expect(page.locator(".card")).to_have_count(0)


def test_a_warm_start_reads_on_from_the_saved_offset(manager: Manager) -> None:
    page = manager.page
    kept = manager.saved[(manager.me["id"], "turns")]

    # The first request of the new page is a catch-up (not live); a long-poll of the old one is live.
    def first_turns_request(request: Request) -> bool:
        query = _shape_query(request)
        return urlparse(request.url).path == "/v1/shape" and query.get("table") == "turns" and "live" not in query

    with page.expect_request(first_turns_request) as first:
        page.reload()

    query = _shape_query(first.value)
    assert query["offset"] != "-1"
    assert query["handle"] == kept["handle"]
    response = first.value.response()
    assert response is not None and response.status == 200
    assert _settled(manager.person, manager.turns) == manager.board


def test_a_session_that_ended_while_offline_asks_to_sign_in_once_online(manager: Manager) -> None:
    page = manager.page
    session = page.evaluate("fetch('/api/v1/auth/me').then((r) => r.json()).then((m) => m.session_id)")
    manager.person.context.set_offline(True)
    page.reload()
    expect(page.locator(".top .badge.offline")).to_have_text("Offline")
    assert _settled(manager.person, manager.turns) == manager.board

    manager.api.send("DELETE", f"/api/v1/auth/sessions/{session}")
    manager.person.context.set_offline(False)

    expect(page.get_by_label("E-mail")).to_be_visible(timeout=RECONNECT_MS)
    assert _saved(page) == {}
