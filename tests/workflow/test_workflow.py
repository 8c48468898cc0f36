from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login
from tests.fixtures.mail import SmtpServer, deliver


@dataclass
class Cast:
    manager: User
    senior: User
    dfo: User
    dfo2: User
    ho: User
    vendor: User
    property_id: UUID
    tokens: dict[str, dict[str, str]]

    def h(self, who: str) -> dict[str, str]:
        return self.tokens[who]


@pytest.fixture
def cast(client: httpx.Client, factory: Factory) -> Cast:
    users = {
        "manager": factory.user("PROPERTY_MANAGER"),
        "senior": factory.user("SR_PROPERTY_MANAGER"),
        "dfo": factory.user("DFO_APPROVER"),
        "dfo2": factory.user("DFO_APPROVER"),
        "ho": factory.user("HO_APPROVER"),
        "vendor": factory.user("VENDOR"),
    }
    tokens = {name: bearer(login(client, user)) for name, user in users.items()}
    client.cookies.clear()
    prop = factory.property(users["manager"], users["senior"])
    return Cast(**users, property_id=prop, tokens=tokens)


def _turn(client: httpx.Client, factory: Factory, cast: Cast, **values: Any) -> dict[str, Any]:
    turn_id = factory.turn(cast.property_id, **values)
    return {"id": turn_id, "version": 1}


def _post(client: httpx.Client, path: str, headers: dict[str, str], **body: Any) -> httpx.Response:
    return client.post(path, headers=headers, json=body)


def _move(
    client: httpx.Client, cast: Cast, turn: dict[str, Any], stage: UUID, who: str = "manager", note: str | None = None
) -> httpx.Response:
    response = _post(
        client,
        f"/api/v1/turns/{turn['id']}/transition",
        cast.h(who),
        to_stage_id=str(stage),
        version=turn["version"],
        note=note,
    )
    if response.status_code == 200:
        turn["version"] = response.json()["version"]
    return response


def _act(client: httpx.Client, cast: Cast, turn: dict[str, Any], action: str, who: str, **extra: Any) -> httpx.Response:
    response = _post(
        client, f"/api/v1/turns/{turn['id']}/scope/{action}", cast.h(who), version=turn["version"], **extra
    )
    if response.status_code == 200:
        turn["version"] = response.json()["version"]
    return response


def test_requirements_block_then_allow_and_history_is_kept(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    stages = [factory.stage_id(n) for n in range(1, 6)]
    turn = _turn(client, factory, cast, turn_amount=None)
    blocked = _move(client, cast, turn, stages[1])
    assert blocked.status_code == 422
    assert blocked.json()["missing"] == ["turn_amount"]
    assert factory.query("SELECT count(*) FROM turn_stage_history WHERE turn_id = %s", (turn["id"],)) == [(1,)]

    factory.query("UPDATE turns SET turn_amount = 4000 WHERE id = %s RETURNING id", (turn["id"],))
    turn["version"] += 1
    assert _move(client, cast, turn, stages[1], note="scope walked").status_code == 200
    history = factory.query(
        "SELECT from_stage_id, to_stage_id, changed_by, note FROM turn_stage_history WHERE turn_id = %s"
        " ORDER BY changed_at DESC, created_at DESC LIMIT 1",
        (turn["id"],),
    )
    assert history == [(stages[0], stages[1], cast.manager.id, "scope walked")]
    audit = factory.query(
        "SELECT changed_fields, user_id FROM audit_logs WHERE table_name = 'turns' AND record_id = %s"
        " AND action = 'UPDATE' AND 'stage_id' = ANY(changed_fields)",
        (turn["id"],),
    )
    assert audit == [(["stage_id"], cast.manager.id)]

    # In Progress needs a vendor and an approved scope.
    blocked = _move(client, cast, turn, stages[2])
    assert blocked.status_code == 422
    assert blocked.json()["missing"] == ["vendor_id", "scope_approval"]
    factory.query("UPDATE turns SET vendor_id = %s WHERE id = %s RETURNING id", (cast.vendor.vendor_id, turn["id"]))
    turn["version"] += 1
    assert _act(client, cast, turn, "submit", "manager").json()["scope_approval_status"] == "DFO_APPROVAL_NEEDED"
    approved = _act(client, cast, turn, "approve", "dfo")
    assert approved.json()["scope_approval_status"] == "DFO_APPROVED"
    assert approved.json()["approved_turn_amount"] == "4000.00"
    assert _move(client, cast, turn, stages[2]).status_code == 200
    assert _move(client, cast, turn, stages[3]).status_code == 200
    # Complete needs the final walk: refused until it is recorded.
    assert _move(client, cast, turn, stages[4]).json()["missing"] == ["final_walk"]
    factory.query(
        "UPDATE turns SET final_walk_date = current_date, final_walk_by = %s WHERE id = %s RETURNING id",
        (cast.manager.id, turn["id"]),
    )
    turn["version"] += 1
    done = _move(client, cast, turn, stages[4])
    assert done.status_code == 200
    assert done.json()["is_active"] is False
    assert done.json()["turn_completion_date"] == date.today().isoformat()
    entered = factory.query(
        "SELECT to_stage_id FROM turn_stage_history WHERE turn_id = %s ORDER BY changed_at", (turn["id"],)
    )
    assert [r[0] for r in entered] == stages


def test_inactive_stage_and_wrong_roles(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast)
    retired = factory.insert("turn_stages", name="Retired", display_order=9, is_active=False)
    response = _move(client, cast, turn, retired)
    assert response.status_code == 422 and "inactive" in response.json()["detail"]
    for who in ("dfo", "vendor"):
        assert _move(client, cast, turn, factory.stage_id(2), who=who).status_code in (403, 404)
    assert factory.query("SELECT version FROM turns WHERE id = %s", (turn["id"],)) == [(1,)]


def test_approval_above_threshold_goes_to_ho(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast, turn_amount=15000)
    assert _act(client, cast, turn, "submit", "senior").status_code == 200
    assert _act(client, cast, turn, "approve", "ho").status_code == 403  # not the HO step yet
    assert _act(client, cast, turn, "approve", "manager").status_code == 403
    first = _act(client, cast, turn, "approve", "dfo")
    assert first.json()["scope_approval_status"] == "HO_APPROVAL_NEEDED"
    assert first.json()["approved_turn_amount"] is None
    assert _act(client, cast, turn, "approve", "dfo2").status_code == 403  # the HO step now
    final = _act(client, cast, turn, "approve", "ho")
    body = final.json()
    assert body["scope_approval_status"] == "HO_APPROVED"
    assert body["approved_turn_amount"] == "15000.00"
    assert body["dfo_approval_user_id"] == str(cast.dfo.id) and body["ho_approval_user_id"] == str(cast.ho.id)
    assert _act(client, cast, turn, "approve", "ho").status_code == 409  # nothing waits any more


def test_reject_and_resubmit(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast)
    _act(client, cast, turn, "submit", "manager")
    assert _act(client, cast, turn, "reject", "dfo").status_code == 422  # a reason is required
    rejected = _act(client, cast, turn, "reject", "dfo", reason="Paint scope is double counted")
    assert rejected.json()["scope_approval_status"] == "REJECTED"
    assert rejected.json()["reject_user_id"] == str(cast.dfo.id)
    assert rejected.json()["reject_reason"] == "Paint scope is double counted"
    assert _act(client, cast, turn, "submit", "manager").json()["scope_approval_status"] == "DFO_APPROVAL_NEEDED"


def test_no_approval_of_own_submission(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast)
    _act(client, cast, turn, "submit", "manager")
    # A manager who becomes an approver hands their homes over first (the database insists).
    factory.query(
        "UPDATE properties SET property_manager_id = NULL WHERE property_manager_id = %s RETURNING id",
        (cast.manager.id,),
    )
    factory.query("UPDATE users SET role = 'DFO_APPROVER' WHERE id = %s RETURNING id", (cast.manager.id,))
    response = _act(client, cast, turn, "approve", "manager")
    assert response.status_code == 403 and "another approver" in response.json()["detail"]


def test_change_orders_reopen_approval_only_when_raised(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast, turn_amount=3000)
    _act(client, cast, turn, "submit", "manager")
    _act(client, cast, turn, "approve", "dfo")

    def change_order(amount: int) -> str:
        rows = factory.query(
            "UPDATE turns SET change_order_amount = %s WHERE id = %s RETURNING scope_approval_status::text",
            (amount, turn["id"]),
        )
        return str(rows[0][0])

    assert change_order(0) == "DFO_APPROVED"  # total 3000 = approved
    assert change_order(500) == "DFO_APPROVAL_NEEDED"  # total 3500 > approved 3000
    turn["version"] = factory.query("SELECT version FROM turns WHERE id = %s", (turn["id"],))[0][0]
    assert _act(client, cast, turn, "approve", "dfo2").json()["approved_turn_amount"] == "3500.00"
    assert change_order(100) == "DFO_APPROVED"  # lowered: nothing to approve
    assert change_order(8000) == "HO_APPROVAL_NEEDED"  # total 11000 needs the HO level


def test_two_approvers_at_once_one_wins(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast)
    _act(client, cast, turn, "submit", "manager")
    version = turn["version"]

    def decide(who: str) -> int:
        action = "approve" if who == "dfo" else "reject"
        body: dict[str, Any] = {"version": version} | ({"reason": "no"} if action == "reject" else {})
        return client.post(f"/api/v1/turns/{turn['id']}/scope/{action}", headers=cast.h(who), json=body).status_code

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(decide, ["dfo", "dfo2"]))
    assert results == [200, 409]
    decisions = factory.query(
        "SELECT count(*) FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'"
        " AND 'scope_approval_status' = ANY(changed_fields)",
        (turn["id"],),
    )
    assert decisions == [(2,)]  # the submission and exactly one decision


def test_approval_queue_oldest_first(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    first, second = _turn(client, factory, cast), _turn(client, factory, cast, turn_amount=20000)
    third = _turn(client, factory, cast)
    for turn in (first, second, third):
        _act(client, cast, turn, "submit", "manager")
    _act(client, cast, turn=second, action="approve", who="dfo")
    dfo_queue = client.get("/api/v1/approvals/queue", headers=cast.h("dfo")).json()
    assert [q["id"] for q in dfo_queue] == [str(first["id"]), str(third["id"])]
    assert all(q["waiting_seconds"] >= 0 and q["amount"] == "2500.00" for q in dfo_queue)
    ho_queue = client.get("/api/v1/approvals/queue", headers=cast.h("ho")).json()
    assert [(q["id"], q["amount"]) for q in ho_queue] == [(str(second["id"]), "20000.00")]
    assert client.get("/api/v1/approvals/queue", headers=cast.h("manager")).status_code == 403


def test_lock_box_reveal_is_audited_and_limited(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast, vendor_id=cast.vendor.vendor_id)
    other_vendor = factory.user("VENDOR")
    other_token = bearer(login(client, other_vendor))
    client.cookies.clear()
    url = f"/api/v1/turns/{turn['id']}/lock-box/reveal"
    assert client.post(url, headers=cast.h("manager")).json() == {"code": "KQ4321"}
    assert client.post(url, headers=cast.h("vendor")).json() == {"code": "KQ4321"}
    assert client.post(url, headers=other_token).status_code == 404
    assert client.post(url, headers=cast.h("dfo")).status_code == 403
    views = factory.query(
        "SELECT user_id, context FROM audit_logs WHERE record_id = %s AND action = 'VIEW' ORDER BY created_at",
        (turn["id"],),
    )
    assert views == [(cast.manager.id, "lock-box-reveal"), (cast.vendor.id, "lock-box-reveal")]
    changed = client.put(
        f"/api/v1/turns/{turn['id']}/lock-box",
        headers=cast.h("vendor"),
        json={"code": "KQ9876", "location": "Back gate", "version": 1},
    )
    assert changed.status_code == 200 and "KQ9876" not in changed.text
    assert client.post(url, headers=cast.h("manager")).json() == {"code": "KQ9876"}
    audit = factory.query(
        "SELECT new_values->>'primary_lock_box_code' FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'",
        (turn["id"],),
    )
    assert audit == [("[redacted]",)]


def test_notifications_and_mail(client: httpx.Client, factory: Factory, cast: Cast, smtp: SmtpServer) -> None:
    turn = _turn(client, factory, cast, vendor_id=cast.vendor.vendor_id)
    assert _move(client, cast, turn, factory.stage_id(2), who="manager").status_code == 200
    # Scope Approval notifies the managers, except the one who moved it.
    rows = factory.query("SELECT user_id, kind FROM notifications WHERE turn_id = %s", (turn["id"],))
    assert rows == [(cast.senior.id, "stage_entered")]
    outbox = factory.query("SELECT template, recipients FROM email_outbox WHERE turn_id = %s", (turn["id"],))
    assert outbox == [("stage_entered", [cast.senior.email])]

    # A failed transition queues nothing.
    assert _move(client, cast, turn, factory.stage_id(3)).status_code == 422
    assert factory.query("SELECT count(*) FROM email_outbox WHERE turn_id = %s", (turn["id"],)) == [(1,)]

    _act(client, cast, turn, "submit", "manager")
    approvers = factory.query(
        "SELECT recipients FROM email_outbox WHERE turn_id = %s AND template = 'approval_requested'", (turn["id"],)
    )
    assert approvers == [(sorted([cast.dfo.email, cast.dfo2.email]),)]

    assert deliver(factory.urls, smtp.url) == 2
    assert deliver(factory.urls, smtp.url) == 0  # never twice
    assert {tuple(sorted(r)) for _, r in smtp.inbox.envelopes} == {
        (cast.senior.email,),
        tuple(sorted([cast.dfo.email, cast.dfo2.email])),
    }
    stage_mail = next(m for m in smtp.inbox.messages if m["To"] == cast.senior.email)
    assert stage_mail["Subject"].endswith("moved to Scope Approval")
    parts = {p.get_content_type(): p.get_content() for p in stage_mail.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert f"http://turns.test/#/turns/{turn['id']}" in parts["text/plain"]
    assert factory.query("SELECT DISTINCT status FROM email_outbox WHERE turn_id = %s", (turn["id"],)) == [("SENT",)]

    # The DFO decides: the submitter hears about it.
    _act(client, cast, turn, "approve", "dfo")
    decided = factory.query(
        "SELECT user_id FROM notifications WHERE turn_id = %s AND kind = 'approval_decided'", (turn["id"],)
    )
    assert decided == [(cast.manager.id,)]


def test_amounts_in_notifications_and_mail_read_as_money(
    client: httpx.Client, factory: Factory, cast: Cast, smtp: SmtpServer
) -> None:
    turn = _turn(client, factory, cast, turn_amount=4250.5)
    _act(client, cast, turn, "submit", "manager")
    asked = factory.query(
        "SELECT DISTINCT body FROM notifications WHERE turn_id = %s AND kind = 'approval_requested'", (turn["id"],)
    )
    assert len(asked) == 1 and asked[0][0].endswith(": $4,250.50."), asked

    assert deliver(factory.urls, smtp.url) == 1
    mail = smtp.inbox.messages[0]
    assert mail["Subject"].endswith("($4,250.50)")
    text = next(p.get_content() for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "Amount: $4,250.50." in text

    _act(client, cast, turn, "approve", "dfo")
    decided = factory.query(
        "SELECT body FROM notifications WHERE turn_id = %s AND kind = 'approval_decided'", (turn["id"],)
    )
    assert decided == [("Approved amount: $4,250.50.",)]


def test_mail_is_retried_until_the_server_accepts(
    client: httpx.Client, factory: Factory, cast: Cast, smtp: SmtpServer
) -> None:
    turn = _turn(client, factory, cast)
    _act(client, cast, turn, "submit", "manager")
    smtp.inbox.refuse = True
    assert deliver(factory.urls, smtp.url) == 0
    state = factory.query("SELECT status, attempts, next_attempt_at > now(), last_error IS NOT NULL FROM email_outbox")
    assert state == [("PENDING", 1, True, True)]
    assert deliver(factory.urls, smtp.url) == 0  # backing off: not due yet
    assert factory.query("SELECT attempts FROM email_outbox") == [(1,)]
    smtp.inbox.refuse = False
    factory.query("UPDATE email_outbox SET next_attempt_at = now() RETURNING id")
    assert deliver(factory.urls, smtp.url) == 1
    assert len(smtp.inbox.messages) == 1
    assert factory.query("SELECT status, attempts FROM email_outbox") == [("SENT", 2)]


def test_notification_endpoints(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    turn = _turn(client, factory, cast)
    _move(client, cast, turn, factory.stage_id(2), who="manager")
    senior = cast.h("senior")
    assert client.get("/api/v1/notifications/unread-count", headers=senior).json() == {"unread": 1}
    listed = client.get("/api/v1/notifications", headers=senior).json()["items"]
    assert [n["title"] for n in listed] == [
        f"{factory.query('SELECT turn_id FROM turns WHERE id = %s', (turn['id'],))[0][0]} moved to Scope Approval"
    ]
    note_id = listed[0]["id"]
    assert client.post(f"/api/v1/notifications/{note_id}/read", headers=cast.h("manager")).status_code == 404
    read = client.post(f"/api/v1/notifications/{note_id}/read", headers=senior)
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert client.get("/api/v1/notifications/unread-count", headers=senior).json() == {"unread": 0}
    assert client.get("/api/v1/notifications", headers=cast.h("dfo")).json()["items"] == []
