from typing import Any

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory

URL = "/api/v1/turn-stages"
SEEDED = ["Draft", "Scope Approval", "In Progress", "Final Walk", "Complete"]


def _stages(factory: Factory) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT name, display_order, requires_approval, is_complete_stage, is_active, version FROM turn_stages"
        " ORDER BY display_order"
    )


def test_everyone_reads_the_stages_in_workflow_order(client: httpx.Client, factory: Factory) -> None:
    for role in ("USER", "VENDOR"):
        headers = token(client, factory.user(role))
        listed = client.get(URL, headers=headers).json()
        assert [s["name"] for s in listed["items"]] == SEEDED and listed["next_cursor"] is None
    scope = client.get(f"{URL}/{factory.stage_id(2)}", headers=headers)
    assert scope.status_code == 200 and scope.headers["etag"] == '"1"'
    assert {k: scope.json()[k] for k in ("name", "requires_approval", "is_amount_required", "color")} == {
        "name": "Scope Approval",
        "requires_approval": True,
        "is_amount_required": True,
        "color": "#F59E0B",
    }

    def names(**params: Any) -> list[str]:
        response = client.get(URL, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()["items"]]

    assert names(complete=True) == ["Complete"]
    assert names(requires_approval=True) == ["Scope Approval"]
    assert names(sort="-display_order") == SEEDED[::-1]
    assert names(sort="name") == sorted(SEEDED)
    first = client.get(URL, headers=headers, params={"limit": 3}).json()
    rest = client.get(URL, headers=headers, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [s["name"] for s in first["items"] + rest["items"]] == SEEDED and rest["next_cursor"] is None
    refused(client.get(URL, headers=headers, params={"colour": "red"}), 422)
    refused(client.get(URL, headers=headers, params={"sort": "color"}), 400)


def test_admin_configures_stages_and_others_may_not(client: httpx.Client, factory: Factory) -> None:
    seeded = _stages(factory)
    body = {"name": "Leasing", "display_order": 6, "color": "#123ABC", "send_email_to_users": True}
    manager = token(client, factory.user("SR_PROPERTY_MANAGER"))
    refused(client.post(URL, headers=manager, json=body), 403)
    draft = f"{URL}/{factory.stage_id(1)}"
    refused(client.patch(draft, headers=manager, json={"name": "Intake", "version": 1}), 403)
    refused(client.post(f"{draft}/deactivate", headers=manager, json={"version": 1}), 403)
    assert _stages(factory) == seeded

    admin_user = factory.user("ADMIN")
    admin = token(client, admin_user)
    created = client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    stage = created.json()
    assert {k: stage[k] for k in body} == body and stage["is_active"] is True and stage["requires_approval"] is False
    assert created.headers["location"] == f"{URL}/{stage['id']}"
    assert factory.query(
        "SELECT action::text, user_id, new_values->>'name', new_values->>'display_order' FROM audit_logs"
        " WHERE table_name = 'turn_stages' AND record_id = %s",
        (stage["id"],),
    ) == [("CREATE", admin_user.id, "Leasing", "6")]
    refused(client.post(URL, headers=admin, json=body | {"name": "Twin"}), 409)
    refused(client.post(URL, headers=admin, json=body | {"display_order": 7, "color": "red"}), 422)
    refused(client.post(URL, headers=admin, json=body | {"display_order": 7, "is_active": False}), 422)

    changed = client.patch(
        draft, headers={**admin, "If-Match": '"1"'}, json={"name": "Intake", "is_vendor_required": True}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["is_vendor_required"], changed.headers["etag"]) == (
        "Intake",
        True,
        '"2"',
    )
    stale = refused(client.patch(draft, headers={**admin, "If-Match": '"1"'}, json={"name": "Lost"}), 412)
    assert stale.json()["current"]["name"] == "Intake"
    refused(client.patch(draft, headers=admin, json={"name": "Lost", "version": 1}), 409)
    assert factory.query(
        "SELECT user_id, changed_fields, old_values->>'name', new_values->>'name' FROM audit_logs"
        " WHERE table_name = 'turn_stages' AND record_id = %s AND action = 'UPDATE'",
        (factory.stage_id(1),),
    ) == [(admin_user.id, ["is_vendor_required", "name"], "Draft", "Intake")]


def test_the_workflow_keeps_a_first_and_a_complete_stage(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("SUPER_ADMIN"))
    complete = f"{URL}/{factory.stage_id(5)}"
    # The stages' versions as the migrations left them (a stage gets a new version with each change).
    versions = {order: v for order, v in factory.query("SELECT display_order, version FROM turn_stages")}
    answer = refused(client.post(f"{complete}/deactivate", headers=admin, json={"version": versions[5]}), 422)
    assert "only active complete stage" in answer.json()["detail"]
    refused(client.patch(complete, headers=admin, json={"is_complete_stage": False, "version": versions[5]}), 422)

    for order in (1, 2, 3, 4):
        off = client.post(
            f"{URL}/{factory.stage_id(order)}/deactivate", headers=admin, json={"version": versions[order]}
        )
        assert off.status_code == 200 and off.json()["is_active"] is False
    last = refused(client.post(f"{complete}/deactivate", headers=admin, json={"version": versions[5]}), 422)
    assert "last active stage" in last.json()["detail"]
    assert _stages(factory)[4] == ("Complete", 5, False, True, True, versions[5])

    # New turns start in the first active stage.
    on = client.post(f"{URL}/{factory.stage_id(3)}/activate", headers=admin, json={"version": versions[3] + 1})
    assert on.status_code == 200 and on.json()["is_active"] is True
    home = factory.property()
    turn = client.post("/api/v1/turns", headers=admin, json={"turn_id": "T-S1", "property_id": str(home)})
    assert turn.status_code == 201 and turn.json()["stage_id"] == str(factory.stage_id(3))

    # With a second complete stage the first may go.
    created = client.post(URL, headers=admin, json={"name": "Done", "display_order": 9, "is_complete_stage": True})
    assert created.status_code == 201, created.text
    plain = client.patch(complete, headers=admin, json={"is_complete_stage": False, "version": versions[5]})
    assert plain.status_code == 200 and plain.json()["is_complete_stage"] is False
    refused(client.post(f"{URL}/{created.json()['id']}/deactivate", headers=admin, json={"version": 1}), 422)
    assert [row[3:5] for row in _stages(factory)] == [
        (False, False),
        (False, False),
        (False, True),
        (False, False),
        (False, True),
        (True, True),
    ]
