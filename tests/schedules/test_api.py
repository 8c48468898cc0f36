"""The vendor-visits API: the propose / counter / confirm flow and who is told, who may take
each step, the schedule warning, and bad input refused whole."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.api import PROBLEM, refused
from tests.fixtures.factory import Factory
from tests.fixtures.mail import SmtpServer, deliver
from tests.schedules.conftest import Cast, schedule, step


def _told(factory: Factory, cast: Cast) -> tuple[set[str], set[str]]:
    """Who got the last change's in-app notice, and the e-mail recipients of the last e-mail."""
    names = {str(u.id): who for who, u in cast.users.items()}
    emails = {u.email: who for who, u in cast.users.items()}
    notified = factory.query(
        "SELECT user_id FROM notifications WHERE kind = 'vendor_visit' AND turn_id = %s"
        " AND created_at = (SELECT max(created_at) FROM notifications WHERE kind = 'vendor_visit')",
        (cast.turn,),
    )
    mailed = factory.query(
        "SELECT recipients FROM email_outbox WHERE template = 'vendor_visit' AND turn_id = %s"
        " ORDER BY created_at DESC LIMIT 1",
        (cast.turn,),
    )
    return {names[str(r[0])] for r in notified}, {emails[e] for e in mailed[0][0]} if mailed else set()


def _visits(client: httpx.Client, cast: Cast, who: str) -> Any:
    response = client.get(f"/api/v1/turns/{cast.turn}/vendor-visits", headers=cast.h(who))
    return response.json() if response.status_code == 200 else response.status_code


def test_propose_counter_confirm_and_done_tell_the_other_side(
    client: httpx.Client, factory: Factory, cast: Cast
) -> None:
    created = schedule(client, cast, note="Paint the living room")
    assert created.status_code == 201, created.text
    visit = created.json()
    assert created.headers["Location"] == f"/api/v1/vendor-visits/{visit['id']}"
    assert (visit["status"], visit["starts_on"], visit["ends_on"]) == ("PROPOSED", "2026-12-08", "2026-12-09")
    assert visit["vendor_name"] == "Acme Painting" and visit["proposed_by"] == str(cast.users["manager"].id)
    # The company's users and the senior manager are told; never the manager who scheduled it.
    assert _told(factory, cast) == ({"vendor", "crew", "senior"}, {"vendor", "crew", "senior"})
    [(title, body)] = factory.query(
        "SELECT title, body FROM notifications WHERE user_id = %s AND kind = 'vendor_visit'",
        (cast.users["vendor"].id,),
    )
    assert "Acme Painting is scheduled Tue 08 Dec to Wed 09 Dec 2026" in title
    assert "12 Elm St" in body

    countered = step(client, cast, "vendor", visit, "counter", starts_on="2026-12-10", ends_on="2026-12-14")
    assert countered.status_code == 200, countered.text
    visit = countered.json()
    assert (visit["status"], visit["countered_starts_on"], visit["countered_ends_on"]) == (
        "COUNTERED",
        "2026-12-10",
        "2026-12-14",
    )
    assert visit["starts_on"] == "2026-12-08"  # the window stands until the manager confirms
    assert _told(factory, cast) == ({"crew", "manager", "senior"}, {"crew", "manager", "senior"})
    [(context,)] = factory.query(
        "SELECT context FROM email_outbox WHERE template = 'vendor_visit' ORDER BY created_at DESC LIMIT 1"
    )
    assert context["headline"] == "Acme Painting proposes Thu 10 Dec to Mon 14 Dec 2026 instead"

    assert _visits(client, cast, "manager")["schedule_warning"] is None  # a counter is not a plan yet
    confirmed = step(client, cast, "manager", visit, "confirm")
    assert confirmed.status_code == 200, confirmed.text
    visit = confirmed.json()
    assert (visit["status"], visit["starts_on"], visit["ends_on"], visit["countered_starts_on"]) == (
        "ACCEPTED",
        "2026-12-10",
        "2026-12-14",
        None,
    )
    assert _told(factory, cast) == ({"vendor", "crew", "senior"}, {"vendor", "crew", "senior"})

    # The accepted visit ends on Monday; the turn is to be ready on Friday.
    listed = _visits(client, cast, "manager")
    assert listed["ready_date"] == "2026-12-11"
    assert listed["schedule_warning"] == {
        "ready_date": "2026-12-11",
        "latest_end": "2026-12-14",
        "days_late": 3,
        "visit_ids": [visit["id"]],
        "message": "a vendor visit ends after the ready date (Fri 11 Dec): the home is ready 3 days late"
        " at the earliest (Mon 14 Dec).",
    }
    assert _visits(client, cast, "vendor")["schedule_warning"]["days_late"] == 3

    done = step(client, cast, "crew", visit, "done")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "DONE" and done.json()["version"] == 4
    assert _told(factory, cast) == ({"vendor", "manager", "senior"}, {"vendor", "manager", "senior"})
    assert _visits(client, cast, "manager")["schedule_warning"] is None  # done: no longer ahead

    # Every change is in the turn's trail, with its version.
    trail = factory.query(
        "SELECT action, new_values ->> 'status' FROM audit_logs WHERE table_name = 'vendor_visits'"
        " AND turn_id = %s ORDER BY created_at",
        (cast.turn,),
    )
    assert trail == [("CREATE", "PROPOSED"), ("UPDATE", "COUNTERED"), ("UPDATE", "ACCEPTED"), ("UPDATE", "DONE")]
    assert factory.query("SELECT count(*) FROM notifications WHERE kind = 'vendor_visit'") == [(12,)]


def test_accept_reschedule_and_cancel(client: httpx.Client, factory: Factory, cast: Cast, smtp: SmtpServer) -> None:
    visit = schedule(client, cast).json()
    accepted = step(client, cast, "vendor", visit, "accept", note="Crew of two")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["note"]) == ("ACCEPTED", "Crew of two")
    assert _told(factory, cast) == ({"crew", "manager", "senior"}, {"crew", "manager", "senior"})
    assert deliver(factory.urls, smtp.url) == 2  # the proposal, then the answer
    answer = next(m for m in smtp.inbox.messages if m["To"] and cast.users["manager"].email in m["To"])
    assert answer["Subject"].endswith(": Acme Painting accepted Tue 08 Dec to Wed 09 Dec 2026")
    text = next(p.get_content() for p in answer.walk() if p.get_content_type() == "text/plain")
    assert "12 Elm St, Atlanta, GA" in text and "Crew of two" in text
    assert f"#/turns/{cast.turn}" in text

    moved = step(client, cast, "senior", accepted.json(), "reschedule", starts_on="2026-12-07", ends_on="2026-12-07")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["starts_on"]) == ("PROPOSED", "2026-12-07")
    assert moved.json()["proposed_by"] == str(cast.users["senior"].id)
    assert _told(factory, cast) == ({"vendor", "crew", "manager"}, {"vendor", "crew", "manager"})

    cancelled = step(client, cast, "admin", moved.json(), "cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert _told(factory, cast) == (
        {"vendor", "crew", "manager", "senior"},
        {"vendor", "crew", "manager", "senior"},
    )
    # A cancelled visit takes no further step, and says why with the visit as it is.
    again = refused(step(client, cast, "vendor", cancelled.json(), "accept"), 409).json()
    assert again["detail"] == "the visit is cancelled: only a proposed visit can be accepted"
    assert again["current"]["status"] == "CANCELLED"


def test_who_may_take_which_step(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    for who in ("vendor", "dfo"):
        refused(schedule(client, cast, who), 403)
    for who in ("other_manager", "other_vendor"):
        refused(schedule(client, cast, who), 404)
    visit = schedule(client, cast, "admin").json()
    everything = _visits(client, cast, "admin")
    assert [item["id"] for item in everything["items"]] == [visit["id"]]
    seen = {who: _visits(client, cast, who) for who in cast.users}
    assert seen == {who: 404 if who.startswith("other") else everything for who in cast.users}
    path = f"/api/v1/vendor-visits/{visit['id']}"
    refused(client.get(path, headers=cast.h("other_vendor")), 404)
    refused(client.get(path, headers=cast.h("other_manager")), 404)
    assert client.get(path, headers=cast.h("dfo")).status_code == 200

    # Managers do not answer for the vendor; the vendor does not confirm, move nor cancel.
    refused(step(client, cast, "manager", visit, "accept"), 403)
    refused(step(client, cast, "manager", visit, "counter", starts_on="2026-12-10", ends_on="2026-12-10"), 403)
    refused(step(client, cast, "vendor", visit, "cancel"), 403)
    refused(step(client, cast, "vendor", visit, "reschedule", starts_on="2026-12-10", ends_on="2026-12-10"), 403)
    refused(step(client, cast, "dfo", visit, "cancel"), 403)
    refused(step(client, cast, "other_vendor", visit, "accept"), 404)
    refused(step(client, cast, "other_manager", visit, "cancel"), 404)
    refused(step(client, cast, "manager", visit, "confirm"), 409)  # nothing countered to confirm
    refused(step(client, cast, "vendor", visit, "done"), 409)  # not accepted yet
    assert client.get(path, headers=cast.h("admin")).json()["version"] == 1  # no refusal wrote

    # A stale answer is a conflict with the visit as it is now.
    accepted = step(client, cast, "vendor", visit, "accept")
    assert accepted.status_code == 200, accepted.text
    stale = refused(step(client, cast, "crew", visit, "counter", starts_on="2026-12-10", ends_on="2026-12-11"), 409)
    assert stale.json()["current"]["status"] == "ACCEPTED"
    # The database holds the vendor to answering, whatever path writes.
    assert factory.query("SELECT status FROM vendor_visits WHERE id = %s", (visit["id"],)) == [("ACCEPTED",)]


def test_bad_input_is_refused_naming_the_field(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    backwards = refused(schedule(client, cast, starts_on="2026-12-10", ends_on="2026-12-09"), 422).json()
    assert backwards["fields"] == ["ends_on"] and "before it starts" in backwards["detail"]
    refused(schedule(client, cast, starts_on="2026-12-01", ends_on="2027-06-01"), 422)
    stranger = refused(schedule(client, cast, vendor_id=str(cast.users["other_vendor"].vendor_id)), 422).json()
    assert stranger["fields"] == ["vendor_id"]
    for body, field in (
        ({"starts_on": "2026-13-01"}, "starts_on"),
        ({"ends_on": None}, "ends_on"),
        ({"vendor_id": "not-a-uuid"}, "vendor_id"),
        ({"note": "x" * 501}, "note"),
        ({"status": "DONE"}, "status"),
    ):
        problem = refused(schedule(client, cast, **body), 422).json()
        assert problem["errors"][0]["loc"][-1] == field, problem
    refused(client.get("/api/v1/turns/not-a-turn/vendor-visits", headers=cast.h("manager")), 422)
    visit = schedule(client, cast).json()
    counter = step(client, cast, "vendor", visit, "counter", starts_on="2026-12-12", ends_on="2026-12-10")
    assert refused(counter, 422).json()["fields"] == ["ends_on"]
    missing = step(client, cast, "vendor", visit, "counter", starts_on="2026-12-12")
    assert refused(missing, 422).json()["errors"][0]["loc"][-1] == "ends_on"
    unnamed = client.post(f"/api/v1/vendor-visits/{visit['id']}/accept", headers=cast.h("vendor"), json={})
    assert refused(unnamed, 422).headers["content-type"] == PROBLEM
    assert factory.query("SELECT count(*), max(version) FROM vendor_visits") == [(1, 1)]
