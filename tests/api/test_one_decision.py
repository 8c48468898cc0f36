"""Every read path decides the same way for the same user.

For each role, the rows a user gets by id, from the lists, from search, from the CSV exports,
from the property summary report and from sync shapes are the rows RLS shows that user (read
through the application role as the API does), and a lock box opens on exactly those turns
for the roles whose work needs it. The same holds after the user's reach changes: a home's
manager moves from one manager to another, a turn's vendor company changes, a manager is
deactivated (then every path answers 401 and RLS shows nothing). A USER and a vendor user
named a home's managers past the triggers of migration 0011 get nothing from it either.
"""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.exports.helpers import read_csv
from tests.fixtures.api import token
from tests.fixtures.factory import Factory, User
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually, fetch, visible
from turns.access.roles import ADMINS, MANAGERS
from turns.db.urls import DatabaseUrls

TABLES = ("properties", "turns")
REVEALERS = ADMINS | MANAGERS | {"INSPECTOR", "VENDOR"}
SEARCHED = {"properties": "Test Home", "turns": "T-T"}  # what every factory row's name contains


def _ids(rows: list[dict[str, Any]]) -> set[str]:
    return {str(r["id"]) for r in rows}


def _listed(client: httpx.Client, headers: dict[str, str], table: str) -> set[str]:
    found: set[str] = set()
    params: dict[str, Any] = {"limit": 100}
    while True:
        body = client.get(f"/api/v1/{table}", headers=headers, params=params).json()
        found |= _ids(body["items"])
        if not body.get("next_cursor"):
            return found
        params["cursor"] = body["next_cursor"]


def _exported(client: httpx.Client, headers: dict[str, str], table: str) -> set[str]:
    response = client.get(f"/api/v1/exports/{table}.csv", headers=headers, params={"raw": "true"})
    assert response.status_code == 200, response.text
    header, *rows = read_csv(response.content)
    return {row[header.index("id")] for row in rows}


def _searched(client: httpx.Client, headers: dict[str, str], table: str) -> set[str]:
    params: dict[str, Any] = {"q": SEARCHED[table], "types": table, "limit": 50}
    return _ids(client.get("/api/v1/search", headers=headers, params=params).json()["items"])


def _summarised(client: httpx.Client, headers: dict[str, str]) -> set[str]:
    return _ids(client.get("/api/v1/reports/property-summary", headers=headers, params={"limit": 100}).json()["items"])


def _check(
    client: httpx.Client, db: DatabaseUrls, factory: Factory, users: dict[str, User], tokens: dict[str, str]
) -> None:
    """Each user's rows on every path against RLS; shapes last (they follow the WAL)."""
    everything = {t: {str(r[0]) for r in factory.query(f"SELECT id FROM {t}")} for t in TABLES}
    assert db.superuser is not None
    with psycopg.connect(db.superuser) as conn:
        conn.execute("REFRESH MATERIALIZED VIEW property_summary")
    for name, user in users.items():
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        for table in TABLES:
            truth = visible(db, user.id, table)
            by_id = {i for i in everything[table] if client.get(f"/api/v1/{table}/{i}", headers=headers).is_success}
            paths = {
                "by id": by_id,
                "list": _listed(client, headers, table),
                "search": _searched(client, headers, table),
                "export": _exported(client, headers, table),
            }
            if table == "properties" and user.role != "VENDOR":  # vendors may not read its amounts (403)
                paths["report"] = _summarised(client, headers)
            if table == "turns":
                revealed = {
                    i
                    for i in everything[table]
                    if client.post(f"/api/v1/turns/{i}/lock-box/reveal", headers=headers).is_success
                }
                assert revealed == (truth if user.role in REVEALERS else set()), (name, "lock box")
            for path, found in paths.items():
                assert found == truth, (name, table, path)
    eventually(lambda: _shapes_agree(client, db, users, tokens))


def _shut(client: httpx.Client, headers: dict[str, str]) -> None:
    for table in TABLES:
        assert client.get("/v1/shape", params={"table": table, "offset": "-1"}, headers=headers).status_code == 401


def _shapes_agree(client: httpx.Client, db: DatabaseUrls, users: dict[str, User], tokens: dict[str, str]) -> None:
    for name, user in users.items():
        for table in TABLES:
            shown = {str(row["id"]) for row in fetch(client, tokens[name], table).values()}
            assert shown == visible(db, user.id, table), (name, table, "shape")


def test_every_path_shows_what_rls_shows(synced: LiveServer, db: DatabaseUrls, factory: Factory) -> None:
    vendor_x, vendor_y = factory.vendor(), factory.vendor()
    users = {
        "admin": factory.user("ADMIN"),
        "pm_a": factory.user("PROPERTY_MANAGER"),
        "pm_b": factory.user("PROPERTY_MANAGER"),
        "senior": factory.user("SR_PROPERTY_MANAGER"),
        "vendor_x": factory.user("VENDOR", vendor_id=vendor_x),
        "vendor_y": factory.user("VENDOR", vendor_id=vendor_y),
        "inspector": factory.user("INSPECTOR"),
        "dfo": factory.user("DFO_APPROVER"),
        "ho": factory.user("HO_APPROVER"),
        "user": factory.user("USER"),
    }
    mine = factory.property(users["pm_a"], users["senior"])
    theirs = factory.property(users["pm_b"])
    nobodys = factory.property()
    moving = factory.turn(mine, vendor_id=vendor_x)
    factory.turn(mine, vendor_id=vendor_y)
    factory.turn(theirs, vendor_id=vendor_x, flooring_vendor_id=vendor_y)
    factory.turn(nobodys)
    # Named managers past the triggers (a bulk load runs without them): still no one's portfolio.
    factory.unvetted(
        "UPDATE properties SET property_manager_id = %s, sr_property_manager_id = %s WHERE id = %s",
        (users["user"].id, users["vendor_x"].id, nobodys),
    )

    with httpx.Client(base_url=synced.base_url, timeout=60) as client:
        tokens = {name: token(client, user)["Authorization"].split()[1] for name, user in users.items()}
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        _check(client, db, factory, users, tokens)
        assert visible(db, users["pm_a"].id, "turns") != visible(db, users["pm_b"].id, "turns")

        # The home moves from manager A to manager B.
        version = client.get(f"/api/v1/properties/{mine}", headers=admin).json()["version"]
        moved = client.patch(
            f"/api/v1/properties/{mine}",
            headers=admin,
            json={"property_manager_id": str(users["pm_b"].id), "version": version},
        )
        assert moved.status_code == 200, moved.text
        _check(client, db, factory, users, tokens)
        assert visible(db, users["pm_a"].id, "properties") == set()

        # The turn's work moves from company X to company Y.
        version = client.get(f"/api/v1/turns/{moving}", headers=admin).json()["version"]
        reassigned = client.patch(
            f"/api/v1/turns/{moving}", headers=admin, json={"vendor_id": str(vendor_y), "version": version}
        )
        assert reassigned.status_code == 200, reassigned.text
        _check(client, db, factory, users, tokens)
        assert str(moving) in visible(db, users["vendor_y"].id, "turns")

        # Manager B leaves: every path closes, and RLS shows them nothing.
        url = f"/api/v1/users/{users['pm_b'].id}"
        version = client.get(url, headers=admin).json()["version"]
        assert client.post(f"{url}/deactivate", headers=admin, json={"version": version}).status_code == 200
        gone = {"Authorization": f"Bearer {tokens['pm_b']}"}
        for table in TABLES:
            assert visible(db, users["pm_b"].id, table) == set()
            assert client.get(f"/api/v1/{table}", headers=gone).status_code == 401
            assert (
                client.get(f"/api/v1/{table}/{mine if table == 'properties' else moving}", headers=gone).status_code
                == 401
            )
        # Sync keeps a resolved session for a few seconds (turns.sync.sessions): then 401.
        eventually(lambda: _shut(client, gone))
        del users["pm_b"]
        _check(client, db, factory, users, tokens)
