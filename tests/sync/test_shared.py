"""Users whose reach is the same set of rows share one shape and its log: every admin's turns,
the users of one vendor company; a manager's shape stays their own. Sharing never widens what
a user reads: a handle of a shape outside the user's reach is a 409 to their own."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import fetch_at


def test_users_of_one_reach_share_a_shape(synced: LiveServer, factory: Factory) -> None:
    company, rival = factory.vendor(), factory.vendor()
    manager = factory.user("PROPERTY_MANAGER")
    theirs = factory.turn(factory.property(manager, None), vendor_id=company)
    factory.turn(factory.property(None, None), vendor_id=rival)
    people = {
        "admin": factory.user("ADMIN"),
        "admin2": factory.user("ADMIN"),
        "manager": manager,
        "vendor": factory.user("VENDOR", vendor_id=company),
        "vendor2": factory.user("VENDOR", vendor_id=company),
        "rival": factory.user("VENDOR", vendor_id=rival),
    }
    with httpx.Client(base_url=synced.base_url, timeout=60) as http:
        tokens = {name: login(http, user) for name, user in people.items()}
        http.cookies.clear()
        read = {name: fetch_at(http, token, "turns") for name, token in tokens.items()}
        handles = {name: place["handle"] for name, (_, place) in read.items()}
        assert handles["admin"] == handles["admin2"]
        assert handles["vendor"] == handles["vendor2"]
        assert len({handles["admin"], handles["manager"], handles["vendor"], handles["rival"]}) == 4
        assert [row["id"] for row in read["vendor2"][0].values()] == [str(theirs)]
        assert len(read["admin2"][0]) == 2

        # The admins' handle, asked for by the manager: a 409 naming the manager's own shape.
        admins = read["admin"][1]
        refused = http.get("/v1/shape", params={"table": "turns", **admins}, headers=bearer(tokens["manager"]))
        assert (refused.status_code, refused.headers["electric-handle"]) == (409, handles["manager"])
        assert "value" not in refused.text

        # Sharing a shape is not owning it: a company colleague may not remove it, by table or handle.
        for named in ({"table": "turns"}, {"handle": handles["vendor"]}):
            assert http.delete("/v1/shape", params=named, headers=bearer(tokens["vendor2"])).status_code == 404
        kept = {"table": "turns", "handle": handles["vendor"], "offset": read["vendor"][1]["offset"]}
        assert http.get("/v1/shape", params=kept, headers=bearer(tokens["vendor"])).status_code == 200


def test_a_user_whose_role_changes_leaves_a_shared_shape_at_once(synced: LiveServer, factory: Factory) -> None:
    """A long-poll held on the admins' shape by an admin made a manager answers 409 when it wakes, not
    with the rows it no longer may read; the other admins' shape stays (its clients keep their place)."""
    admin, demoted = factory.user("ADMIN"), factory.user("ADMIN")
    factory.turn(factory.property(None, None))
    with httpx.Client(base_url=synced.base_url, timeout=60) as http:
        tokens = {"admin": login(http, admin), "demoted": login(http, demoted)}
        http.cookies.clear()
        _, place = fetch_at(http, tokens["admin"], "turns")  # (the admin's request made the shape)
        _, same = fetch_at(http, tokens["demoted"], "turns")
        assert same == place
        held: dict[str, Any] = {}

        def long_poll(name: str) -> None:
            with httpx.Client(base_url=synced.base_url, timeout=60) as own:
                query = {"table": "turns", **place, "live": "true"}
                held[name] = own.get("/v1/shape", params=query, headers=bearer(tokens[name]))

        polls = [threading.Thread(target=long_poll, args=(name,)) for name in tokens]
        for poll in polls:
            poll.start()
        factory.query("UPDATE users SET role = 'PROPERTY_MANAGER' WHERE id = %s RETURNING id", (demoted.id,))
        new = factory.turn(factory.property(None, None), wo_number="AFTER")
        for poll in polls:
            poll.join(timeout=30)
        assert held["demoted"].status_code == 409
        assert held["demoted"].headers["electric-handle"] != place["handle"]
        assert "AFTER" not in held["demoted"].text
        assert held["admin"].status_code == 200
        assert [m["value"]["id"] for m in held["admin"].json() if "key" in m] == [str(new)]
