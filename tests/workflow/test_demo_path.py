"""The demo walkthrough of docs/workflow.md, end to end: the demo data as ``turns up`` loads
it, then only HTTP, as the demo users, from a new turn to its completion."""

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from tests.fixtures.factory import Factory, bearer
from tests.fixtures.mail import deliver
from turns.kit.logging import get_logger
from turns.notifications import mailer
from turns.seed.demo import Credential

ACTORS = ("PROPERTY_MANAGER", "SR_PROPERTY_MANAGER", "DFO_APPROVER", "HO_APPROVER", "VENDOR")
TURN = "T-DEMO-1"


class Session:
    """One demo user signed in over HTTP."""

    def __init__(self, client: httpx.Client, credential: Credential) -> None:
        response = client.post("/api/v1/auth/login", json={"email": credential.email, "password": credential.password})
        assert response.status_code == 200, response.text
        client.cookies.clear()
        self.client, self.email = client, credential.email
        self.headers = bearer(response.json()["token"])
        self.me = self.get("/api/v1/auth/me")

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, headers=self.headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, turn: dict[str, Any], **body: Any) -> httpx.Response:
        """A write naming the version of ``turn`` last read; ``turn`` takes the answer when it succeeds."""
        response = self.client.request(method, path, headers=self.headers, json=body | {"version": turn["version"]})
        if response.is_success:
            turn.update(response.json())
        return response


def _notifications(user: Session, turn_id: str) -> list[tuple[str, str]]:
    return [(n["kind"], n["title"]) for n in user.get("/api/v1/notifications")["items"] if n["turn_id"] == turn_id]


def test_a_turn_from_creation_to_completion(
    client: httpx.Client, factory: Factory, demo: dict[str, Credential], monkeypatch: pytest.MonkeyPatch
) -> None:
    manager, senior, dfo, ho, vendor = (Session(client, demo[role]) for role in ACTORS)
    listed = manager.get("/api/v1/turn-stages")["items"]
    assert [s["name"] for s in listed] == ["Draft", "Scope Approval", "In Progress", "Final Walk", "Complete"]
    stages = [s["id"] for s in listed]
    # A turn starts on a home with none open (in the demo, an occupied one).
    turned = {t["property_id"] for t in manager.get("/api/v1/turns", active="true", limit=200)["items"]}
    home = next(p for p in manager.get("/api/v1/properties", limit=200)["items"] if p["id"] not in turned)
    assert home["property_manager_id"] == manager.me["id"]
    assert home["sr_property_manager_id"] == senior.me["id"]
    threshold = Decimal(manager.get("/api/v1/workflow/settings")["ho_approval_threshold"])

    created = client.post("/api/v1/turns", headers=manager.headers, json={"turn_id": TURN, "property_id": home["id"]})
    assert created.status_code == 201, created.text
    turn = created.json()
    assert turn["stage_id"] == stages[0]
    url = f"/api/v1/turns/{turn['id']}"

    def move(stage: int) -> httpx.Response:
        return manager.send("POST", f"{url}/transition", turn, to_stage_id=stages[stage])

    # Scope Approval needs an amount: above the threshold, so HO approves too.
    assert move(1).json()["missing"] == ["turn_amount"]
    assert manager.send("PATCH", url, turn, turn_amount=str(threshold + 2500)).status_code == 200
    assert move(1).status_code == 200
    assert manager.send("POST", f"{url}/scope/submit", turn).json()["scope_approval_status"] == "DFO_APPROVAL_NEEDED"
    # In Progress needs a vendor, the utilities on and the approved scope.
    assert move(2).json()["missing"] == ["vendor_id", "utilities_on", "scope_approval"]
    assert dfo.send("POST", f"{url}/scope/approve", turn).json()["scope_approval_status"] == "HO_APPROVAL_NEEDED"
    approved = ho.send("POST", f"{url}/scope/approve", turn).json()
    assert approved["scope_approval_status"] == "HO_APPROVED"
    assert Decimal(approved["approved_turn_amount"]) == threshold + 2500
    on = {"power_status": "YES", "water_status": "YES", "gas_status": "YES"}
    assert manager.send("PATCH", url, turn, vendor_id=vendor.me["vendor_id"], **on).status_code == 200
    for stage in (2, 3):
        assert move(stage).status_code == 200
    # Complete needs the final walk and the lock box.
    assert move(4).json()["missing"] == ["final_walk", "lock_box"]
    walked = {"final_walk_date": date.today().isoformat(), "final_walk_by": manager.me["id"]}
    assert manager.send("PATCH", url, turn, **walked).status_code == 200
    box = {"location": "Front door", "install_date": date.today().isoformat()}
    assert manager.send("PUT", f"{url}/lock-box", turn, **box).status_code == 200
    assert move(4).status_code == 200
    assert turn["is_active"] is False and turn["turn_completion_date"] == date.today().isoformat()

    history = factory.query(
        "SELECT from_stage_id::text, to_stage_id::text, changed_by::text FROM turn_stage_history"
        " WHERE turn_id = %s ORDER BY changed_at",
        (turn["id"],),
    )
    assert history == [
        (before, after, manager.me["id"]) for before, after in zip([None, *stages[:-1]], stages, strict=True)
    ]

    # In-app: the senior manager hears of every stage, each approver of their step, the
    # submitter of the decision; nobody of their own action; the vendor only by e-mail.
    entered = [f"{TURN} moved to {name}" for name in ("Complete", "Final Walk", "In Progress", "Scope Approval")]
    assert _notifications(senior, turn["id"]) == [("stage_entered", title) for title in entered]
    assert _notifications(dfo, turn["id"]) == [("approval_requested", f"{TURN} needs DFO approval")]
    assert _notifications(ho, turn["id"]) == [("approval_requested", f"{TURN} needs HO approval")]
    assert _notifications(manager, turn["id"]) == [("approval_decided", f"{TURN} scope approved")]
    assert _notifications(vendor, turn["id"]) == []
    money = f"${threshold + 2500:,.2f}"  # e.g. $12,500.00, never 12500.00
    bodies = {n["kind"]: n["body"] for n in ho.get("/api/v1/notifications")["items"] if n["turn_id"] == turn["id"]}
    assert bodies == {"approval_requested": f"Scope for {TURN} at {home['name']}: {money}."}
    bodies = {n["kind"]: n["body"] for n in manager.get("/api/v1/notifications")["items"] if n["turn_id"] == turn["id"]}
    assert bodies == {"approval_decided": f"Approved amount: {money}."}

    # The trail, as the manager reads it, newest first: every change, by whom.
    trail = manager.get("/api/v1/audit", turn_id=turn["id"], table_name="turns")["items"]
    steps = ["UPDATE"] * 11 + ["CREATE"]
    by = [manager.email] * 6 + [ho.email, dfo.email] + [manager.email] * 4
    assert [(a["action"], a["user_email"]) for a in trail] == list(zip(steps, by, strict=True))
    assert trail[0]["changed_fields"] == ["is_active", "stage_id", "turn_completion_date"]

    # E-mail: queued with each change; without SMTP_URL the mailer logs each one instead.
    company = factory.query("SELECT email FROM vendors WHERE id = %s", (vendor.me["vendor_id"],))[0][0]
    amount = money
    expected = [
        ("stage_entered", senior.email, f"[Turns] {TURN} moved to Scope Approval"),
        ("approval_requested", dfo.email, f"[Turns] Approval needed: {TURN} ({amount})"),
        ("approval_requested", ho.email, f"[Turns] Approval needed: {TURN} ({amount})"),
        ("approval_decided", manager.email, f"[Turns] {TURN} scope: HO_APPROVED"),
        ("stage_entered", senior.email, f"[Turns] {TURN} moved to In Progress"),
        ("vendor_stage_entered", company, f"[Turns] {TURN}: In Progress"),
        ("stage_entered", senior.email, f"[Turns] {TURN} moved to Final Walk"),
        ("stage_entered", senior.email, f"[Turns] {TURN} moved to Complete"),
    ]
    outbox = (
        "SELECT template, recipients, status, last_error FROM email_outbox"
        " WHERE turn_id = %s ORDER BY created_at, template"
    )
    assert factory.query(outbox, (turn["id"],)) == [(t, [to], "PENDING", None) for t, to, _ in expected]
    monkeypatch.setattr(mailer, "log", get_logger("turns.mailer"))  # bound afresh, inside the capture
    with capture_logs() as logs:
        while deliver(factory.urls, None):
            pass
    logged = [(e["to"], e["subject"]) for e in logs if e["event"] == "mail_logged" and TURN in e["subject"]]
    assert sorted(logged) == sorted((to, subject) for _, to, subject in expected)
    assert {e["log_level"] for e in logs if e["event"] == "mail_logged"} == {"info"}
    assert factory.query(outbox, (turn["id"],)) == [
        (t, [to], "SENT", "logged: no SMTP_URL configured") for t, to, _ in expected
    ]
