from typing import Any
from uuid import UUID

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory, User
from turns.auth.passwords import verify_password

URL = "/api/v1/users"
SYSTEM_USER = "00000000-0000-0000-0000-000000000001"


def _row(factory: Factory, user: User | UUID | str) -> tuple[Any, ...]:
    user_id = user.id if isinstance(user, User) else user
    [row] = factory.query(
        "SELECT email, first_name, phone, role::text, is_active, version FROM users WHERE id = %s", (user_id,)
    )
    return row


def _updates(factory: Factory, user: User) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT user_id, changed_fields, old_values, new_values FROM audit_logs"
        " WHERE table_name = 'users' AND record_id = %s AND action = 'UPDATE' AND context = 'api'"
        " ORDER BY created_at",
        (user.id,),
    )


def test_each_role_reads_the_directory_it_may(client: httpx.Client, factory: Factory) -> None:
    admin_user = factory.user("ADMIN")
    manager_user = factory.user("PROPERTY_MANAGER", email="zed.manager@example.com")
    vendor_user = factory.user("VENDOR")
    inspector_user = factory.user("INSPECTOR", is_active=False)
    admin = token(client, admin_user)

    full = client.get(f"{URL}/{manager_user.id}", headers=admin)
    assert full.status_code == 200 and full.headers["etag"] == '"1"'
    assert full.json()["email"] == "zed.manager@example.com" and full.json()["email_verified"] is False
    assert "last_login" in full.json() and "password_hash" not in full.json()

    manager = token(client, manager_user)
    directory = client.get(URL, headers=manager).json()["items"]
    assert {u["id"] for u in directory} == {
        SYSTEM_USER,
        *(str(u.id) for u in (admin_user, manager_user, vendor_user, inspector_user)),
    }
    assert [u["email"] for u in directory] == sorted(u["email"] for u in directory)
    assert set(directory[0]) == {
        "id",
        "version",
        "email",
        "first_name",
        "last_name",
        "phone",
        "role",
        "is_active",
        "vendor_id",
        "created_at",
    }

    vendor = token(client, vendor_user)
    assert [u["id"] for u in client.get(URL, headers=vendor).json()["items"]] == [str(vendor_user.id)]
    assert client.get(f"{URL}/{vendor_user.id}", headers=vendor).json()["vendor_id"] == str(vendor_user.vendor_id)
    refused(client.get(f"{URL}/{admin_user.id}", headers=vendor), 404)

    def listed(**params: Any) -> list[str]:
        response = client.get(URL, headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [u["id"] for u in response.json()["items"]]

    assert listed(role="VENDOR") == [str(vendor_user.id)]
    assert listed(vendor_id=vendor_user.vendor_id) == [str(vendor_user.id)]
    assert listed(active=False) == [str(inspector_user.id)]
    assert listed(q="ZED.") == [str(manager_user.id)]
    assert listed(q="inspect") == [str(inspector_user.id)]  # first name
    assert listed(q="%") == []
    assert listed(sort="-created_at")[:2] == [str(inspector_user.id), str(vendor_user.id)]
    first = client.get(URL, headers=admin, params={"limit": 3}).json()
    rest = client.get(URL, headers=admin, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [u["id"] for u in first["items"] + rest["items"]] == listed() and rest["next_cursor"] is None
    refused(client.get(URL, headers=admin, params={"role": "KING"}), 422)
    refused(client.get(URL, headers=admin, params={"password_hash": "x"}), 422)
    refused(client.get(URL, headers=admin, params={"sort": "password_hash"}), 400)
    refused(client.get(URL, headers=admin, params={"q": "a\x00"}), 422)


def test_admin_creates_users_who_can_sign_in(client: httpx.Client, factory: Factory) -> None:
    admin_user = factory.user("ADMIN")
    admin = token(client, admin_user)
    body = {
        "email": "New.Hire@Example.com",
        "password": "a long initial secret",
        "first_name": "Nia",
        "role": "INSPECTOR",
    }
    created = client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    new = created.json()
    assert (new["email"], new["role"], new["is_active"], new["version"]) == (
        "new.hire@example.com",
        "INSPECTOR",
        True,
        1,
    )
    assert "password" not in new and "password_hash" not in new
    assert created.headers["location"] == f"{URL}/{new['id']}" and created.headers["etag"] == '"1"'
    [(stored,)] = factory.query("SELECT password_hash FROM users WHERE id = %s", (new["id"],))
    assert verify_password(stored, "a long initial secret")
    assert factory.query(
        "SELECT action::text, user_id, new_values->>'email', new_values->>'password_hash' FROM audit_logs"
        " WHERE table_name = 'users' AND record_id = %s",
        (new["id"],),
    ) == [("CREATE", admin_user.id, "new.hire@example.com", "[redacted]")]
    signed_in = client.post("/api/v1/auth/login", json={"email": "new.hire@example.com", "password": body["password"]})
    assert signed_in.status_code == 200 and signed_in.json()["user"]["role"] == "INSPECTOR"
    client.cookies.clear()

    senior = token(client, factory.user("SR_PROPERTY_MANAGER"))
    before = factory.query("SELECT count(*) FROM users")
    other = {"email": "other@example.com", "password": "another long secret"}
    refused(client.post(URL, headers=admin, json=other | {"role": "SUPER_ADMIN"}), 403)
    refused(client.post(URL, headers=senior, json=other), 403)
    refused(client.post(URL, headers=admin, json=body | {"email": "NEW.HIRE@example.com"}), 409)
    refused(client.post(URL, headers=admin, json=other | {"role": "VENDOR"}), 422)
    refused(client.post(URL, headers=admin, json=other | {"password": "short"}), 422)
    refused(client.post(URL, headers=admin, json=other | {"email": "not-an-address"}), 422)
    refused(client.post(URL, headers=admin, json=other | {"is_active": False}), 422)
    refused(client.post(URL, headers=admin, json=other | {"first_name": "Nul\x00"}), 422)
    assert factory.query("SELECT count(*) FROM users") == before

    super_admin = token(client, factory.user("SUPER_ADMIN"))
    promoted = client.post(URL, headers=super_admin, json=other | {"role": "SUPER_ADMIN"})
    assert promoted.status_code == 201 and promoted.json()["role"] == "SUPER_ADMIN"


def test_everyone_edits_only_their_own_name_and_phone(client: httpx.Client, factory: Factory) -> None:
    manager_user, colleague = factory.user("PROPERTY_MANAGER"), factory.user("INSPECTOR")
    vendor_user = factory.user("VENDOR")
    manager = token(client, manager_user)
    own = f"{URL}/{manager_user.id}"
    before = _row(factory, manager_user)
    assert before[-1] == 2  # signing in recorded the last login
    refused(client.patch(own, headers=manager, json={"role": "ADMIN", "version": 2}), 403)
    refused(client.patch(own, headers=manager, json={"email": "me@elsewhere.com", "version": 2}), 403)
    refused(client.patch(f"{URL}/{colleague.id}", headers=manager, json={"phone": "555", "version": 1}), 403)
    refused(client.post(f"{URL}/{colleague.id}/deactivate", headers=manager, json={"version": 1}), 403)
    assert _row(factory, manager_user) == before and _row(factory, colleague)[2:] == (None, "INSPECTOR", True, 1)

    # The role sent back unchanged is not an edit of it.
    mine = {"first_name": "Mia", "phone": "555-0123", "role": "PROPERTY_MANAGER"}
    changed = client.patch(own, headers={**manager, "If-Match": '"2"'}, json=mine)
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"3"' and "last_login" not in changed.json()
    assert {k: changed.json()[k] for k in mine} == mine
    stale = refused(client.patch(own, headers={**manager, "If-Match": '"2"'}, json={"phone": "555-9999"}), 412)
    assert stale.json()["current"]["phone"] == "555-0123"
    refused(client.patch(own, headers=manager, json={"phone": "555-9999", "version": 2}), 409)
    [(actor, fields, old, new)] = _updates(factory, manager_user)
    assert (actor, fields) == (manager_user.id, ["first_name", "phone"])
    assert (old["first_name"], old["phone"]) == ("Property_Manager", None)
    assert (new["first_name"], new["phone"]) == ("Mia", "555-0123")

    vendor = token(client, vendor_user)
    refused(client.patch(own, headers=vendor, json={"phone": "1", "version": 3}), 404)
    renamed = client.patch(f"{URL}/{vendor_user.id}", headers=vendor, json={"last_name": "Vance", "version": 2})
    assert renamed.status_code == 200 and renamed.json()["last_name"] == "Vance"
    assert _row(factory, manager_user)[2] == "555-0123"


def test_admins_change_roles_and_deactivation_ends_sessions(client: httpx.Client, factory: Factory) -> None:
    admin_user, target, chief = factory.user("ADMIN"), factory.user("USER"), factory.user("SUPER_ADMIN")
    admin = token(client, admin_user)
    target_token = token(client, target)
    url = f"{URL}/{target.id}"

    refused(client.patch(url, headers=admin, json={"role": "SUPER_ADMIN", "version": 2}), 403)
    refused(client.patch(f"{URL}/{chief.id}", headers=admin, json={"phone": "555", "version": 1}), 403)
    refused(client.post(f"{URL}/{chief.id}/deactivate", headers=admin, json={"version": 1}), 403)
    own = refused(client.post(f"{URL}/{admin_user.id}/deactivate", headers=admin, json={"version": 2}), 422)
    assert "yourself" in own.json()["detail"]
    refused(client.patch(url, headers=admin, json={"role": "VENDOR", "version": 2}), 422)
    assert _row(factory, chief)[3:] == ("SUPER_ADMIN", True, 1) and _row(factory, admin_user)[4:] == (True, 2)
    assert _row(factory, target)[3:] == ("USER", True, 2)

    changed = client.patch(url, headers=admin, json={"role": "INSPECTOR", "email": "Moved@Example.com", "version": 2})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["email"]) == ("INSPECTOR", "moved@example.com")
    assert client.get("/api/v1/auth/me", headers=target_token).json()["role"] == "INSPECTOR"

    off = client.post(f"{url}/deactivate", headers={**admin, "If-Match": '"3"'}, json={})
    assert off.status_code == 200 and off.json()["is_active"] is False
    refused(client.get("/api/v1/auth/me", headers=target_token), 401)
    live = factory.query("SELECT count(*) FROM sessions WHERE user_id = %s AND revoked_at IS NULL", (target.id,))
    assert live == [(0,)]
    updates = _updates(factory, target)
    assert [(actor, fields) for actor, fields, _, _ in updates] == [
        (admin_user.id, ["email", "role"]),
        (admin_user.id, ["is_active"]),
    ]
    assert (updates[0][2]["role"], updates[0][3]["role"], updates[1][3]["is_active"]) == ("USER", "INSPECTOR", False)
    refused(client.post(f"{url}/activate", headers=admin, json={"version": 3}), 409)
    assert client.post(f"{url}/activate", headers=admin, json={"version": 4}).json()["is_active"] is True

    promoted = client.patch(url, headers=token(client, chief), json={"role": "SUPER_ADMIN", "version": 5})
    assert promoted.status_code == 200 and promoted.json()["role"] == "SUPER_ADMIN"
    assert _row(factory, target)[3:] == ("SUPER_ADMIN", True, 6)
