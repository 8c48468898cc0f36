from typing import Any
from uuid import UUID

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory

URL = "/api/v1/utility-providers"


def _provider(factory: Factory, **values: Any) -> UUID:
    return factory.insert("utility_providers", **({"name": "Georgia Power", "utility_type": "POWER"} | values))


def _row(factory: Factory, provider: UUID | str) -> list[tuple[Any, ...]]:
    return factory.query("SELECT name, phone, is_active, version FROM utility_providers WHERE id = %s", (provider,))


def _audit(factory: Factory, provider: UUID | str) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT action::text, user_id, changed_fields, old_values->>'phone', new_values->>'phone' FROM audit_logs"
        " WHERE table_name = 'utility_providers' AND record_id = %s ORDER BY created_at",
        (provider,),
    )


def test_admin_creates_and_everyone_reads(client: httpx.Client, factory: Factory) -> None:
    admin_user = factory.user("ADMIN")
    admin = token(client, admin_user)
    body = {"name": "Metro Water", "utility_type": "WATER", "phone": "555-0100", "market": "Atlanta", "state": "GA"}
    created = client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    provider = created.json()
    assert {k: provider[k] for k in body} == body
    assert provider["is_active"] is True and provider["version"] == 1 and provider["created_by"] == str(admin_user.id)
    assert created.headers["location"] == f"{URL}/{provider['id']}" and created.headers["etag"] == '"1"'
    [(action, actor, fields, old_phone, new_phone)] = _audit(factory, provider["id"])
    assert (action, actor, old_phone, new_phone) == ("CREATE", admin_user.id, None, "555-0100")
    assert {"name", "utility_type", "phone", "market"} <= set(fields)

    for role in ("USER", "VENDOR"):
        reader = token(client, factory.user(role))
        one = client.get(f"{URL}/{provider['id']}", headers=reader)
        assert one.status_code == 200 and one.headers["etag"] == '"1"'
        assert one.json()["name"] == "Metro Water" and one.json()["phone"] == "555-0100"
        assert [p["id"] for p in client.get(URL, headers=reader).json()["items"]] == [provider["id"]]

    before = factory.query("SELECT count(*) FROM utility_providers")
    refused(client.post(URL, headers=token(client, factory.user("PROPERTY_MANAGER")), json=body), 403)
    refused(client.post(URL, headers=admin, json=body | {"utility_type": "SEWER"}), 422)
    refused(client.post(URL, headers=admin, json=body | {"rating": 5}), 422)
    refused(client.post(URL, headers=admin, json=body | {"name": "Metro\x00Water"}), 422)
    assert factory.query("SELECT count(*) FROM utility_providers") == before
    refused(client.get(f"{URL}/{UUID(int=7)}", headers=admin), 404)
    refused(client.get(URL), 401)


def test_update_is_versioned_and_admin_only(client: httpx.Client, factory: Factory) -> None:
    provider = _provider(factory, phone="555-0000")
    url = f"{URL}/{provider}"
    inspector = token(client, factory.user("INSPECTOR"))
    refused(client.patch(url, headers=inspector, json={"phone": "555-6666", "version": 1}), 403)
    refused(client.post(f"{url}/deactivate", headers=inspector, json={"version": 1}), 403)
    assert _row(factory, provider) == [("Georgia Power", "555-0000", True, 1)]

    admin_user = factory.user("SUPER_ADMIN")
    admin = token(client, admin_user)
    changed = client.patch(url, headers={**admin, "If-Match": '"1"'}, json={"phone": "555-0199"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "555-0199" and changed.headers["etag"] == '"2"'
    stale = client.patch(url, headers={**admin, "If-Match": '"1"'}, json={"phone": "555-0111"})
    refused(stale, 412)
    assert stale.json()["current"]["phone"] == "555-0199" and stale.json()["current"]["version"] == 2
    stale_body = client.patch(url, headers=admin, json={"phone": "555-0111", "version": 1})
    refused(stale_body, 409)
    assert stale_body.json()["current"]["version"] == 2
    refused(client.patch(url, headers=admin, json={"phone": "555-0111"}), 422)
    refused(client.patch(url, headers=admin, json={"phone": "555-0111", "version": 2, "colour": "red"}), 422)
    assert _row(factory, provider) == [("Georgia Power", "555-0199", True, 2)]
    assert _audit(factory, provider)[1:] == [("UPDATE", admin_user.id, ["phone"], "555-0000", "555-0199")]


def test_list_filters_pages_and_deactivation(client: httpx.Client, factory: Factory) -> None:
    power = _provider(factory, market="Atlanta", state="GA")
    water = _provider(factory, name="Austin Water", utility_type="WATER", market="Austin", state="TX")
    gas = _provider(factory, name="Atmos Energy", utility_type="GAS", market="Austin", state="TX")
    admin_user = factory.user("ADMIN")
    admin = token(client, admin_user)

    def listed(**params: Any) -> list[str]:
        response = client.get(URL, headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert listed() == [str(gas), str(water), str(power)]  # by name
    assert listed(sort="-name") == [str(power), str(water), str(gas)]
    assert listed(utility_type="WATER") == [str(water)]
    assert listed(market="Austin", state="TX") == [str(gas), str(water)]
    first = client.get(URL, headers=admin, params={"limit": 2}).json()
    second = client.get(URL, headers=admin, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + second["items"]] == listed() and second["next_cursor"] is None
    refused(client.get(URL, headers=admin, params={"colour": "red"}), 422)
    refused(client.get(URL, headers=admin, params={"sort": "phone"}), 400)
    refused(client.get(URL, headers=admin, params={"market": "Aus\x00tin"}), 422)

    off = client.post(f"{URL}/{gas}/deactivate", headers=admin, json={"version": 1})
    assert off.status_code == 200 and off.json()["is_active"] is False and off.json()["version"] == 2
    assert listed(active=True) == [str(water), str(power)] and listed(active=False) == [str(gas)]
    refused(client.post(f"{URL}/{gas}/activate", headers=admin, json={"version": 1}), 409)
    on = client.post(f"{URL}/{gas}/activate", headers={**admin, "If-Match": '"2"'}, json={})
    assert on.status_code == 200 and on.json()["is_active"] is True
    audit = factory.query(
        "SELECT changed_fields, old_values->>'is_active', new_values->>'is_active', user_id FROM audit_logs"
        " WHERE table_name = 'utility_providers' AND record_id = %s AND action = 'UPDATE' ORDER BY created_at",
        (gas,),
    )
    assert audit == [(["is_active"], "true", "false", admin_user.id), (["is_active"], "false", "true", admin_user.id)]
