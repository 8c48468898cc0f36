"""A vendor's trades and markets through the API: written by admins, filtered on, refused
when a trade is not on the list (by the API and by the table's check)."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory

URL = "/api/v1/vendors"


def test_admin_sets_trades_and_markets_and_lists_filter_on_them(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("ADMIN"))
    body = {"company_name": "Trinity Paint", "trades": ["PAINT", "FLOORING", "PAINT"], "markets": [" Dallas "]}
    created = client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    vendor = created.json()
    assert (vendor["trades"], vendor["markets"]) == (["PAINT", "FLOORING"], ["Dallas"])
    assert factory.query("SELECT trades, markets FROM vendors WHERE id = %s", (vendor["id"],)) == [
        (["PAINT", "FLOORING"], ["Dallas"])
    ]
    plain = client.post(URL, headers=admin, json={"company_name": "No Trade Co"}).json()
    assert (plain["trades"], plain["markets"]) == ([], [])

    changed = client.patch(
        f"{URL}/{vendor['id']}",
        headers=admin,
        json={"trades": ["HVAC"], "markets": ["Dallas", "Phoenix"], "version": 1},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["trades"], changed.json()["markets"], changed.json()["version"]) == (
        ["HVAC"],
        ["Dallas", "Phoenix"],
        2,
    )
    assert factory.query(
        "SELECT changed_fields, new_values->'trades' FROM audit_logs"
        " WHERE table_name = 'vendors' AND record_id = %s AND action = 'UPDATE'",
        (vendor["id"],),
    ) == [(["markets", "trades"], ["HVAC"])]

    factory.vendor(company_name="Phoenix Air", trades=["HVAC", "ELECTRICAL"], markets=["Phoenix"])
    factory.vendor(company_name="Dallas Floors", trades=["FLOORING"], markets=["Dallas"])
    reader = token(client, factory.user("INSPECTOR"))

    def names(query: str) -> list[str]:
        answer = client.get(f"{URL}?{query}", headers=reader)
        assert answer.status_code == 200, answer.text
        return [v["company_name"] for v in answer.json()["items"]]

    assert names("trade=HVAC") == ["Phoenix Air", "Trinity Paint"]
    assert names("trade=HVAC&market=Dallas") == ["Trinity Paint"]
    assert names("market=Phoenix") == ["Phoenix Air", "Trinity Paint"]
    assert names("trade=FLOORING&market=Dallas") == ["Dallas Floors"]
    assert names("trade=ROOFING") == []
    problem = refused(client.get(f"{URL}?trade=CARPENTRY", headers=reader), 422).json()
    assert "trade" in str(problem)


def test_a_trade_off_the_list_and_a_role_that_may_not_write_are_refused(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("ADMIN"))
    vendor = factory.vendor(company_name="Keep Co", trades=["PAINT"], markets=["Tampa"])
    before = factory.query("SELECT count(*) FROM vendors")

    problem = refused(client.post(URL, headers=admin, json={"company_name": "X", "trades": ["CARPENTRY"]}), 422).json()
    assert [e["loc"] for e in problem["errors"]] == [["body", "trades", 0]]
    assert "PAINT" in problem["errors"][0]["msg"]
    refused(client.post(URL, headers=admin, json={"company_name": "X", "markets": [""]}), 422)
    refused(client.patch(f"{URL}/{vendor}", headers=admin, json={"trades": ["paint"], "version": 1}), 422)

    vendor_user = token(client, factory.user("VENDOR", vendor_id=vendor))
    for headers in (vendor_user, token(client, factory.user("PROPERTY_MANAGER"))):
        refused(client.patch(f"{URL}/{vendor}", headers=headers, json={"trades": ["HVAC"], "version": 1}), 403)
        refused(client.post(URL, headers=headers, json={"company_name": "Y", "trades": ["HVAC"]}), 403)
    assert factory.query("SELECT trades, markets, version FROM vendors WHERE id = %s", (vendor,)) == [
        (["PAINT"], ["Tampa"], 1)
    ]
    assert factory.query("SELECT count(*) FROM vendors") == before


def test_the_database_refuses_a_trade_off_the_list(factory: Factory) -> None:
    vendor = factory.vendor(company_name="Raw Co")
    with pytest.raises(psycopg.errors.CheckViolation):
        factory.query("UPDATE vendors SET trades = ARRAY['CARPENTRY'] WHERE id = %s RETURNING id", (vendor,))
    assert factory.query("SELECT trades FROM vendors WHERE id = %s", (vendor,)) == [([],)]
