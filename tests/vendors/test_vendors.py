from typing import Any
from uuid import UUID

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory

URL = "/api/v1/vendors"


def _row(factory: Factory, vendor: UUID | str) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT company_name, contact_name, phone, tax_id, is_active, version FROM vendors WHERE id = %s", (vendor,)
    )


def _updates(factory: Factory, vendor: UUID | str) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT user_id, vendor_id, changed_fields, old_values->>'phone', new_values->>'phone' FROM audit_logs"
        " WHERE table_name = 'vendors' AND record_id = %s AND action = 'UPDATE' ORDER BY created_at",
        (vendor,),
    )


def test_admin_creates_and_each_role_reads_what_it_may(client: httpx.Client, factory: Factory) -> None:
    admin_user = factory.user("ADMIN")
    admin = token(client, admin_user)
    body = {"company_name": "Peach State Flooring", "contact_name": "Ana", "phone": "555-0142", "tax_id": "58-1"}
    created = client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    vendor = created.json()
    assert {k: vendor[k] for k in body} == body
    assert (vendor["is_active"], vendor["is_approved"], vendor["total_jobs"], vendor["version"]) == (True, False, 0, 1)
    assert created.headers["location"] == f"{URL}/{vendor['id']}" and created.headers["etag"] == '"1"'
    assert factory.query(
        "SELECT action::text, user_id, vendor_id::text, new_values->>'company_name' FROM audit_logs"
        " WHERE table_name = 'vendors' AND record_id = %s",
        (vendor["id"],),
    ) == [("CREATE", admin_user.id, vendor["id"], "Peach State Flooring")]

    other = factory.vendor(company_name="Other Co")
    for role in ("INSPECTOR", "USER", "DFO_APPROVER"):
        reader = token(client, factory.user(role))
        listed = client.get(URL, headers=reader).json()["items"]
        assert [v["company_name"] for v in listed] == ["Other Co", "Peach State Flooring"]
        one = client.get(f"{URL}/{vendor['id']}", headers=reader)
        assert one.status_code == 200 and one.headers["etag"] == '"1"' and one.json()["tax_id"] == "58-1"

    vendor_user = token(client, factory.user("VENDOR", vendor_id=UUID(vendor["id"])))
    assert [v["id"] for v in client.get(URL, headers=vendor_user).json()["items"]] == [vendor["id"]]
    refused(client.get(f"{URL}/{other}", headers=vendor_user), 404)

    before = factory.query("SELECT count(*) FROM vendors")
    refused(client.post(URL, headers=token(client, factory.user("SR_PROPERTY_MANAGER")), json=body), 403)
    refused(client.post(URL, headers=vendor_user, json=body), 403)
    refused(client.post(URL, headers=admin, json=body | {"total_jobs": 9}), 422)
    refused(client.post(URL, headers=admin, json=body | {"company_name": "Nul\x00Co"}), 422)
    assert factory.query("SELECT count(*) FROM vendors") == before


def test_vendor_user_edits_only_its_own_contact_fields(client: httpx.Client, factory: Factory) -> None:
    mine = factory.vendor(company_name="Mine Co", phone="555-0001", tax_id="11-1")
    theirs = factory.vendor(company_name="Their Co", phone="555-0002")
    vendor_user = factory.user("VENDOR", vendor_id=mine)
    headers = token(client, vendor_user)
    url = f"{URL}/{mine}"

    refused(client.patch(url, headers=headers, json={"tax_id": "99-9", "version": 1}), 403)
    refused(client.patch(url, headers=headers, json={"is_approved": False, "version": 1}), 403)
    refused(client.post(f"{url}/deactivate", headers=headers, json={"version": 1}), 403)
    refused(client.patch(f"{URL}/{theirs}", headers=headers, json={"phone": "555-6666", "version": 1}), 404)
    manager = token(client, factory.user("PROPERTY_MANAGER"))
    refused(client.patch(url, headers=manager, json={"phone": "555-6666", "version": 1}), 403)
    assert _row(factory, mine) == [("Mine Co", None, "555-0001", "11-1", True, 1)]
    assert _row(factory, theirs)[0][2] == "555-0002" and _updates(factory, theirs) == []

    # Sending back an unchanged company name with the contact change is no edit of it.
    changed = client.patch(
        url,
        headers={**headers, "If-Match": '"1"'},
        json={"company_name": "Mine Co", "phone": "555-0101", "contact_name": "Bo"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["phone"], changed.json()["contact_name"], changed.headers["etag"]) == (
        "555-0101",
        "Bo",
        '"2"',
    )
    refused(client.patch(url, headers={**headers, "If-Match": '"1"'}, json={"phone": "555-0111"}), 412)
    stale = client.patch(url, headers=headers, json={"phone": "555-0111", "version": 1})
    refused(stale, 409)
    assert stale.json()["current"]["phone"] == "555-0101"
    assert _row(factory, mine) == [("Mine Co", "Bo", "555-0101", "11-1", True, 2)]
    assert _updates(factory, mine) == [(vendor_user.id, mine, ["contact_name", "phone"], "555-0001", "555-0101")]


def test_list_filters_pages_and_deactivation(client: httpx.Client, factory: Factory) -> None:
    a = factory.vendor(company_name="Alpha Paint", city="Atlanta", state="GA")
    b = factory.vendor(company_name="Bravo HVAC", city="Austin", state="TX", is_approved=False)
    c = factory.vendor(company_name="Charlie Roofing", city="Austin", state="TX")
    admin_user = factory.user("SUPER_ADMIN")
    admin = token(client, admin_user)

    def listed(**params: Any) -> list[str]:
        response = client.get(URL, headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [v["id"] for v in response.json()["items"]]

    assert listed() == [str(a), str(b), str(c)]
    assert listed(sort="-company_name") == [str(c), str(b), str(a)]
    assert listed(state="TX") == [str(b), str(c)]
    assert listed(city="Austin", approved=True) == [str(c)]
    first = client.get(URL, headers=admin, params={"limit": 2}).json()
    rest = client.get(URL, headers=admin, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [v["id"] for v in first["items"] + rest["items"]] == listed() and rest["next_cursor"] is None
    refused(client.get(URL, headers=admin, params={"q": "Alpha"}), 422)
    refused(client.get(URL, headers=admin, params={"city": "Aus\x00tin"}), 422)

    off = client.post(f"{URL}/{b}/deactivate", headers=admin, json={"version": 1})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert listed(active=False) == [str(b)] and listed(active=True) == [str(a), str(c)]
    refused(client.post(f"{URL}/{b}/activate", headers={**admin, "If-Match": '"1"'}, json={}), 412)
    assert client.post(f"{URL}/{b}/activate", headers=admin, json={"version": 2}).json()["is_active"] is True
    assert [row[2] for row in _updates(factory, b)] == [["is_active"], ["is_active"]]
    assert {row[0] for row in _updates(factory, b)} == {admin_user.id}
