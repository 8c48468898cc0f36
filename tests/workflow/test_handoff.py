"""The end of a turn: the stage requirements for utilities, the final walk and the lock box;
ready and move-in dates changed with a reason and kept as a history; the hand-off to leasing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login

READY = date(2026, 5, 1)


@dataclass
class Team:
    admin: User
    manager: User
    senior: User
    inspector: User
    dfo: User
    vendor: User
    home: UUID
    tokens: dict[str, dict[str, str]]


@pytest.fixture
def team(client: httpx.Client, factory: Factory) -> Team:
    company = factory.vendor()
    users = {
        "admin": factory.user("ADMIN"),
        "manager": factory.user("PROPERTY_MANAGER"),
        "senior": factory.user("SR_PROPERTY_MANAGER"),
        "inspector": factory.user("INSPECTOR"),
        "dfo": factory.user("DFO_APPROVER"),
        "vendor": factory.user("VENDOR", vendor_id=company),
    }
    tokens = {name: bearer(login(client, user)) for name, user in users.items()}
    client.cookies.clear()
    return Team(**users, home=factory.property(users["manager"], users["senior"]), tokens=tokens)


def _version(factory: Factory, turn: UUID) -> int:
    return int(factory.query("SELECT version FROM turns WHERE id = %s", (turn,))[0][0])


def _post(client: httpx.Client, team: Team, who: str, turn: UUID, action: str, **body: Any) -> httpx.Response:
    return client.post(f"/api/v1/turns/{turn}/{action}", headers=team.tokens[who], json=body)


def _dates(client: httpx.Client, team: Team, who: str, turn: UUID, version: int, **body: Any) -> httpx.Response:
    return client.put(f"/api/v1/turns/{turn}/dates", headers=team.tokens[who], json={"version": version, **body})


def test_the_last_stages_need_utilities_the_final_walk_and_the_lock_box(
    client: httpx.Client, factory: Factory, team: Team
) -> None:
    turn = factory.turn(
        team.home,
        stage=2,
        vendor_id=team.vendor.vendor_id,
        scope_approval_status="DFO_APPROVED",
        gas_status="PENDING",
        lock_box_location=None,
    )
    work, walk, complete = factory.stage_id(3), factory.stage_id(4), factory.stage_id(5)
    refused = _post(client, team, "manager", turn, "transition", to_stage_id=str(work), version=1)
    assert refused.status_code == 422, refused.text
    assert refused.json()["missing"] == ["utilities_on"] and refused.json()["stage"] == "In Progress"
    factory.query("UPDATE turns SET gas_status = 'YES' WHERE id = %s RETURNING id", (turn,))
    for stage in (work, walk):
        moved = _post(
            client, team, "manager", turn, "transition", to_stage_id=str(stage), version=_version(factory, turn)
        )
        assert moved.status_code == 200, moved.text

    refused = _post(
        client, team, "manager", turn, "transition", to_stage_id=str(complete), version=_version(factory, turn)
    )
    assert refused.status_code == 422 and refused.json()["missing"] == ["final_walk", "lock_box"]
    # The inspector records the walk (the date and who walked); the vendor sets the lock box.
    walked = client.patch(
        f"/api/v1/turns/{turn}",
        headers=team.tokens["inspector"],
        json={
            "version": _version(factory, turn),
            "final_walk_date": "2026-04-28",
            "final_walk_by": str(team.inspector.id),
        },
    )
    assert walked.status_code == 200, walked.text
    refused = _post(
        client, team, "manager", turn, "transition", to_stage_id=str(complete), version=_version(factory, turn)
    )
    assert refused.status_code == 422 and refused.json()["missing"] == ["lock_box"]
    boxed = client.put(
        f"/api/v1/turns/{turn}/lock-box",
        headers=team.tokens["vendor"],
        json={"version": _version(factory, turn), "location": "Back gate"},
    )
    assert boxed.status_code == 200, boxed.text
    done = _post(
        client, team, "manager", turn, "transition", to_stage_id=str(complete), version=_version(factory, turn)
    )
    assert done.status_code == 200, done.text
    assert factory.query("SELECT is_active FROM turns WHERE id = %s", (turn,)) == [(False,)]


def test_the_requirement_flags_are_set_per_stage(client: httpx.Client, factory: Factory, team: Team) -> None:
    url = f"/api/v1/turn-stages/{factory.stage_id(2)}"
    stage = client.get(url, headers=team.tokens["admin"]).json()
    assert (stage["requires_utilities_on"], stage["requires_final_walk"], stage["requires_lock_box"]) == (
        False,
        False,
        False,
    )
    changed = client.patch(
        url, headers=team.tokens["admin"], json={"version": stage["version"], "requires_utilities_on": True}
    )
    assert changed.status_code == 200 and changed.json()["requires_utilities_on"] is True
    turn = factory.turn(team.home, power_status="NO")
    refused = _post(client, team, "manager", turn, "transition", to_stage_id=str(factory.stage_id(2)), version=1)
    assert refused.status_code == 422 and refused.json()["missing"] == ["utilities_on"]
    factory.query("UPDATE turn_stages SET requires_utilities_on = false WHERE id = %s RETURNING id", (stage["id"],))


def test_dates_change_with_a_reason_and_are_kept_as_a_history(
    client: httpx.Client, factory: Factory, team: Team
) -> None:
    turn = factory.turn(team.home, vendor_id=team.vendor.vendor_id)
    # Setting a date for the first time needs no reason.
    first = _dates(client, team, "manager", turn, 1, expected_completion_date="2026-05-01", move_in_date="2026-05-04")
    assert first.status_code == 200, first.text
    assert (first.json()["expected_completion_date"], first.json()["move_in_date"]) == ("2026-05-01", "2026-05-04")
    # Changing a set date needs one, and blank is no reason; nothing is written.
    for body in ({}, {"reason": "   "}, {"reason": "x" * 241}):
        refused = _dates(client, team, "manager", turn, 2, expected_completion_date="2026-05-08", **body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert _dates(client, team, "manager", turn, 2).status_code == 422
    patched = client.patch(
        f"/api/v1/turns/{turn}",
        headers=team.tokens["manager"],
        json={"version": 2, "expected_completion_date": "2026-05-08"},
    )
    assert patched.status_code == 422 and patched.json()["missing"] == ["reason"]
    # Who may not: the vendor and inspector on the turn, an approver.
    for who in ("vendor", "inspector", "dfo"):
        forbidden = _dates(client, team, who, turn, 2, expected_completion_date="2026-05-08", reason="Rain")
        assert forbidden.status_code == 403, (who, forbidden.text)
    assert factory.query("SELECT expected_completion_date, version FROM turns WHERE id = %s", (turn,)) == [(READY, 2)]

    moved = _dates(client, team, "admin", turn, 2, expected_completion_date="2026-05-08", reason=" Flooring backorder ")
    assert moved.status_code == 200, moved.text
    history = client.get(f"/api/v1/turns/{turn}/date-history", headers=team.tokens["manager"])
    assert history.status_code == 200, history.text
    rows = [(h["field"], h["old_value"], h["new_value"], h["reason"], h["changed_by"]) for h in history.json()]
    assert rows[0] == ("expected_completion_date", "2026-05-01", "2026-05-08", "Flooring backorder", str(team.admin.id))
    # The first two were set in one write: same time, either order.
    assert sorted(rows[1:]) == [
        ("expected_completion_date", None, "2026-05-01", None, str(team.manager.id)),
        ("move_in_date", None, "2026-05-04", None, str(team.manager.id)),
    ]
    name = factory.query("SELECT first_name || ' ' || last_name FROM users WHERE id = %s", (team.admin.id,))[0][0]
    assert history.json()[0]["changed_by_name"] == name
    audit = factory.query(
        "SELECT user_id, context FROM audit_logs WHERE table_name = 'turns' AND record_id = %s AND action = 'UPDATE'"
        " ORDER BY created_at DESC LIMIT 1",
        (turn,),
    )
    assert audit == [(team.admin.id, "dates: Flooring backorder")]
    # The vendor on the turn reads the ready date's history, not the move-in date's.
    seen = client.get(f"/api/v1/turns/{turn}/date-history", headers=team.tokens["vendor"]).json()
    assert [h["field"] for h in seen] == ["expected_completion_date", "expected_completion_date"]
    other = factory.turn(factory.property(factory.user("PROPERTY_MANAGER")))
    assert client.get(f"/api/v1/turns/{other}/date-history", headers=team.tokens["manager"]).status_code == 404


def test_no_other_change_resets_the_ready_date(client: httpx.Client, factory: Factory, team: Team) -> None:
    turn = factory.turn(
        team.home,
        vendor_id=team.vendor.vendor_id,
        expected_completion_date=READY,
        final_walk_date=date(2026, 4, 28),
        final_walk_by=team.inspector.id,
    )

    def ready() -> list[tuple[Any, ...]]:
        return factory.query("SELECT expected_completion_date FROM turns WHERE id = %s", (turn,))

    # The whole life of a turn: every stage, the scope's approval, completion and reopening.
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("manager", "transition", {"to_stage_id": str(factory.stage_id(2))}),
        ("manager", "scope/submit", {}),
        ("dfo", "scope/approve", {}),
        *(("manager", "transition", {"to_stage_id": str(factory.stage_id(n))}) for n in (3, 4, 5)),
        ("manager", "reopen", {"reason": "Leak under the sink"}),
    ]
    for who, action, body in steps:
        done = _post(client, team, who, turn, action, version=_version(factory, turn), **body)
        assert done.status_code == 200, (action, done.text)
        assert ready() == [(READY,)], action
    status = client.patch(
        f"/api/v1/turns/{turn}",
        headers=team.tokens["vendor"],
        json={"version": _version(factory, turn), "status": "Painting", "water_status": "NO"},
    )
    assert status.status_code == 200, status.text
    assert ready() == [(READY,)]
    assert factory.query("SELECT count(*) FROM turn_date_changes WHERE turn_id = %s", (turn,)) == [(0,)]


def test_a_finished_turn_is_sent_to_leasing_once(client: httpx.Client, factory: Factory, team: Team) -> None:
    early = factory.turn(team.home, stage=3, is_active=False)
    refused = _post(client, team, "manager", early, "handoff", version=1)
    assert refused.status_code == 422 and refused.json()["missing"] == ["handoff_stage"]
    turn = factory.turn(team.home, stage=4, vendor_id=team.vendor.vendor_id)
    for who in ("vendor", "inspector", "dfo"):
        forbidden = _post(client, team, who, turn, "handoff", version=1)
        assert forbidden.status_code == 403, (who, forbidden.text)

    sent = _post(client, team, "manager", turn, "handoff", version=1)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert (body["sent_to_leasing_by"], body["sent_to_leasing_date"]) == (
        str(team.manager.id),
        date.today().isoformat(),
    )
    assert body["sent_to_leasing_at"] is not None and body["version"] == 2
    again = _post(client, team, "admin", turn, "handoff", version=2)
    assert again.status_code == 409 and "already sent" in again.json()["detail"]
    audit = factory.query(
        "SELECT user_id, context FROM audit_logs WHERE table_name = 'turns' AND record_id = %s AND action = 'UPDATE'",
        (turn,),
    )
    assert audit == [(team.manager.id, "handoff")]
    # The manager who sent it is not told; the senior manager is, in-app and by e-mail.
    notified = factory.query("SELECT user_id, kind, title FROM notifications WHERE turn_id = %s", (turn,))
    turn_number = factory.query("SELECT turn_id FROM turns WHERE id = %s", (turn,))[0][0]
    assert notified == [(team.senior.id, "sent_to_leasing", f"{turn_number} sent to leasing")]
    outbox = factory.query("SELECT template, recipients FROM email_outbox WHERE turn_id = %s", (turn,))
    assert outbox == [("sent_to_leasing", [team.senior.email])]


def test_an_admin_hands_off_a_completed_turn_and_the_manager_hears(
    client: httpx.Client, factory: Factory, team: Team
) -> None:
    turn = factory.turn(team.home, stage=5, is_active=False)
    sent = _post(client, team, "admin", turn, "handoff", version=1)
    assert sent.status_code == 200, sent.text
    notified = factory.query("SELECT user_id FROM notifications WHERE turn_id = %s ORDER BY user_id", (turn,))
    assert sorted(notified) == sorted([(team.manager.id,), (team.senior.id,)])
    # A manager of another home does not see the turn to hand it off.
    stranger = factory.user("PROPERTY_MANAGER")
    headers = bearer(login(client, stranger))
    client.cookies.clear()
    other = factory.turn(factory.property(factory.user("PROPERTY_MANAGER")), stage=4)
    assert client.post(f"/api/v1/turns/{other}/handoff", headers=headers, json={"version": 1}).status_code == 404
