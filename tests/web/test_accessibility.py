"""Accessibility in a real browser: axe-core finds nothing serious or critical on the app's
pages, and a card moves between stages with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.fixtures.server import LiveServer
from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

AXE = (Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js").read_text()
# The serious and critical violations, each with up to five of the elements at fault.
RUN_AXE = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ['violations'] })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ rule: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))
}"""


def _violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated rather than added as a <script>: the app's CSP allows no inline script.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    result: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return result


def _visit(person: Person, route: str, settled: str) -> list[dict[str, Any]]:
    """Open a page of the app, wait until it shows `settled`, and audit it."""
    person.page.goto(f"/#/{route}")
    expect(person.page.get_by_text(settled).first).to_be_visible()
    expect(person.page.locator('[aria-busy="true"]')).to_have_count(0)
    return _violations(person.page)


def test_the_login_page_has_no_serious_violations(browser: Browser, synced: LiveServer) -> None:
    context = browser.new_context(base_url=synced.base_url)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_label("E-mail")).to_be_visible()
        assert _violations(page) == []
    finally:
        context.close()


def test_the_pages_have_no_serious_violations(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    tmp_path: Path,
) -> None:
    turn = next(iter(api_as(demo["PROPERTY_MANAGER"]).active_turns().values()))
    manager = sign_in(demo["PROPERTY_MANAGER"])
    found = {
        "board": _violations(manager.page),
        "properties": _visit(manager, "properties", "properties"),
        "property": _visit(manager, f"properties/{turn['property_id']}", "Turn history"),
        "completed": _visit(manager, "completed", "finished turns"),
        "import": _visit(manager, "import", "Move-outs file (CSV)"),
        "import preview": _import_preview(manager, tmp_path),
        "vendors": _visit(manager, "vendors", "vendors"),
        "reports": _visit(manager, "reports", "Pipeline"),
        "notifications": _visit(manager, "notifications", "unread of"),
        "turn": _visit(manager, f"turns/{turn['id']}", turn["turn_id"]),
        "board on a phone": _violations(sign_in(demo["VENDOR"], phone=True).page),
        "approvals": _visit(sign_in(demo["DFO_APPROVER"]), "approvals", "scopes waiting"),
        "import as an admin": _visit(sign_in(demo["ADMIN"]), "import", "Move-outs file (CSV)"),
    }
    assert {page: problems for page, problems in found.items() if problems} == {}


def _import_preview(person: Person, tmp_path: Path) -> list[dict[str, Any]]:
    """The Import page checking a file with a problem: its rows, their problems, the import button."""
    moveouts = tmp_path / "moveouts.csv"
    moveouts.write_text("Property Code,Move-Out Date\nP-NOPE,2026-11-20\n")
    person.page.get_by_label("Move-outs file (CSV)").set_input_files(moveouts)
    expect(person.page.get_by_text("1 row, 1 with problems")).to_be_visible()
    return _violations(person.page)


def test_a_card_moves_to_another_stage_with_the_keyboard_alone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    in_progress = api.stage_id("In Progress")
    turn = next(t for t in api.active_turns().values() if t["stage_id"] == in_progress and t["vendor_id"])
    manager = sign_in(demo["PROPERTY_MANAGER"])
    page = manager.page
    search = page.get_by_role("searchbox", name="Search")
    select = page.get_by_label(f"Move {turn['turn_id']} to another stage")

    _tab_to(page, search)
    page.keyboard.type(turn["turn_id"])
    expect(page.get_by_text("1 of")).to_be_visible()
    _tab_to(page, select)
    assert select.evaluate("el => el.matches(':focus-visible')")
    page.keyboard.press("F")  # the first stage whose name starts with F: Final Walk

    expect(manager.in_column("Final Walk", turn["turn_id"])).to_be_visible()
    expect(page.get_by_text("change waiting")).to_have_count(0)  # sent, not only shown
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert stored["stage_id"] == api.stage_id("Final Walk")
    assert stored["version"] == turn["version"] + 1


def _tab_to(page: Page, target: Any, most: int = 40) -> None:
    """Press Tab until `target` has the focus (at most `most` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {most} presses of Tab")
