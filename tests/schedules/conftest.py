"""A turn with its people: the property's manager and senior manager, the turn's vendor with
two users, another vendor, another manager, an approver and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.api import token
from tests.fixtures.factory import Factory, User

READY = date(2026, 12, 11)  # a Friday; the visits of these tests fall in the week of Mon 7 Dec 2026


@dataclass
class Cast:
    users: dict[str, User]
    headers: dict[str, dict[str, str]]
    turn: UUID
    home: UUID

    def h(self, who: str) -> dict[str, str]:
        return self.headers[who]

    @property
    def vendor_id(self) -> str:
        return str(self.users["vendor"].vendor_id)


@pytest.fixture
def cast(client: httpx.Client, factory: Factory) -> Cast:
    company = factory.vendor(company_name="Acme Painting")
    users = {
        "admin": factory.user("ADMIN"),
        "manager": factory.user("PROPERTY_MANAGER"),
        "senior": factory.user("SR_PROPERTY_MANAGER"),
        "other_manager": factory.user("PROPERTY_MANAGER"),
        "vendor": factory.user("VENDOR", vendor_id=company),
        "crew": factory.user("VENDOR", vendor_id=company),
        "other_vendor": factory.user("VENDOR"),
        "dfo": factory.user("DFO_APPROVER"),
    }
    factory.property(users["other_manager"])
    home = factory.property(users["manager"], users["senior"], street_address="12 Elm St")
    turn = factory.turn(home, vendor_id=company, expected_completion_date=READY)
    return Cast(users, {name: token(client, user) for name, user in users.items()}, turn, home)


def schedule(client: httpx.Client, cast: Cast, who: str = "manager", **body: Any) -> httpx.Response:
    values = {"vendor_id": cast.vendor_id, "starts_on": "2026-12-08", "ends_on": "2026-12-09"} | body
    return client.post(f"/api/v1/turns/{cast.turn}/vendor-visits", headers=cast.h(who), json=values)


def step(client: httpx.Client, cast: Cast, who: str, visit: dict[str, Any], name: str, **body: Any) -> httpx.Response:
    return client.post(
        f"/api/v1/vendor-visits/{visit['id']}/{name}", headers=cast.h(who), json={"version": visit["version"]} | body
    )
