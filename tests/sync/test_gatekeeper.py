"""Gatekeeper mode: ``/v1/shape`` proxied to Electric (here a small fake that records what it is asked)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import serving
from tests.sync.shape_http import refused_as_electric
from turns.access.columns import readable_columns
from turns.db.embedded import free_port
from turns.db.urls import DatabaseUrls
from turns.sync.shapes import ordered

SECRET = "electric-api-secret"
MUST_REFETCH = b'[{"headers":{"control":"must-refetch"}}]'


class FakeElectric:
    """A real HTTP server answering ``/v1/shape`` as Electric would; records each query it receives."""

    def __init__(self) -> None:
        self.received: list[list[tuple[str, str]]] = []
        self.status = 200
        self.headers = {"electric-handle": "42-1", "electric-offset": "0_0", "cache-control": "public, max-age=60"}
        self.chunks = [b'[{"headers":{"control":"up-to-date"}}]']
        self.streaming = False  # True: no content-length, chunks sent apart, then the connection closes
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.received.append(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                self.send_response(fake.status)
                for name, value in fake.headers.items():
                    self.send_header(name, value)
                body = b"".join(fake.chunks)
                if not fake.streaming:
                    self.send_header("content-length", str(len(body)))
                self.end_headers()
                for chunk in fake.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if fake.streaming:
                        time.sleep(0.05)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def last(self) -> dict[str, str]:
        query = self.received[-1]
        assert len({k for k, _ in query}) == len(query), query  # no parameter twice
        return dict(query)


@pytest.fixture
def electric() -> Iterator[FakeElectric]:
    fake = FakeElectric()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def _serve(db: DatabaseUrls, electric_url: str, **overrides: Any) -> Iterator[httpx.Client]:
    with serving(db, electric_url=electric_url, electric_secret=SECRET, **overrides) as http:
        yield http


@pytest.fixture
def gate(db: DatabaseUrls, electric: FakeElectric) -> Iterator[httpx.Client]:
    yield from _serve(db, electric.url)


def _columns(table: str, role: str) -> str:
    return ",".join(ordered(table, readable_columns(table, role)))


def _shape(gate: httpx.Client, token: str, table: str, **params: str) -> httpx.Response:
    return gate.get("/v1/shape", params={"table": table, "offset": "-1", **params}, headers=bearer(token))


def test_a_manager_gets_their_properties_turns_only(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    # A senior manager may also be a home's property manager: both columns name them.
    manager, senior = factory.user("SR_PROPERTY_MANAGER"), factory.user("SR_PROPERTY_MANAGER")
    homes = sorted([str(factory.property(manager)), str(factory.property(senior=manager))])
    factory.property(senior)  # not theirs
    token = login(gate, manager)
    assert _shape(gate, token, "turns").status_code == 200
    assert electric.last() == {
        "table": "turns",
        "columns": _columns("turns", "SR_PROPERTY_MANAGER"),
        "where": '("property_id" IN ($1, $2))',
        "params[1]": homes[0],
        "params[2]": homes[1],
        "secret": SECRET,
        "offset": "-1",
    }
    assert _shape(gate, token, "properties").status_code == 200
    assert electric.last()["where"] == '("property_manager_id" = $1 OR "sr_property_manager_id" = $2)'
    assert (electric.last()["params[1]"], electric.last()["params[2]"]) == (str(manager.id), str(manager.id))


def test_an_access_change_changes_the_definition(gate: httpx.Client, electric: FakeElectric, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    token = login(gate, manager)
    _shape(gate, token, "turns")
    assert (electric.last()["where"], "params[1]" in electric.last()) == ('("id" IS NULL)', False)
    home = factory.property(manager)
    _shape(gate, token, "turns")
    assert (electric.last()["where"], electric.last()["params[1]"]) == ('("property_id" IN ($1))', str(home))


def test_a_vendor_gets_their_company_and_its_properties(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    company = factory.vendor()
    vendor = factory.user("VENDOR", vendor_id=company)
    worked, untouched = factory.property(), factory.property()
    factory.turn(worked, vendor_id=company)
    factory.turn(untouched, vendor_id=factory.vendor())
    token = login(gate, vendor)
    _shape(gate, token, "turns")
    sent = electric.last()
    assert (sent["where"], sent["params[1]"], sent["params[2]"]) == (
        '("vendor_id" = $1 OR "flooring_vendor_id" = $2)',
        str(company),
        str(company),
    )
    assert sent["columns"] == _columns("turns", "VENDOR")
    assert "turn_amount" not in sent["columns"].split(",")
    _shape(gate, token, "properties")
    assert (electric.last()["where"], electric.last()["params[1]"]) == ('("id" IN ($1))', str(worked))
    _shape(gate, token, "vendors")
    assert (electric.last()["where"], electric.last()["params[1]"]) == ('("id" = $1)', str(company))
    _shape(gate, token, "users")
    assert (electric.last()["where"], electric.last()["params[1]"]) == ('("id" = $1)', str(vendor.id))


@pytest.mark.parametrize("role", ["ADMIN", "DFO_APPROVER", "INSPECTOR"])
def test_staff_who_read_everything_get_no_row_filter(
    gate: httpx.Client, electric: FakeElectric, factory: Factory, role: str
) -> None:
    token = login(gate, factory.user(role))
    _shape(gate, token, "turns")
    assert electric.last() == {
        "table": "turns",
        "columns": _columns("turns", role),
        "secret": SECRET,
        "offset": "-1",
    }


def test_own_notifications_and_nothing_for_a_plain_user(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    user = factory.user("USER")
    token = login(gate, user)
    _shape(gate, token, "notifications")
    assert (electric.last()["where"], electric.last()["params[1]"]) == ('("user_id" = $1)', str(user.id))
    for table in ("turns", "properties", "turn_stage_history", "scope_lines"):
        _shape(gate, token, table)
        assert electric.last()["where"] == '("id" IS NULL)'
    _shape(gate, token, "turn_stages")
    assert "where" not in electric.last()


def test_a_vendor_user_gets_its_company_lines_of_its_turns(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    vendor = factory.user("VENDOR")
    turn = factory.turn(factory.property(), vendor_id=vendor.vendor_id)
    factory.turn(factory.property(), vendor_id=factory.vendor())
    _shape(gate, login(gate, vendor), "scope_lines")
    sent = electric.last()
    assert sent["where"] == '(("vendor_id" = $1) AND ("turn_id" IN ($2)))'
    assert [sent["params[1]"], sent["params[2]"]] == [str(vendor.vendor_id), str(turn)]
    assert "chargeback_amount" not in sent["columns"].split(",")


def test_the_client_where_only_narrows(gate: httpx.Client, electric: FakeElectric, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    token = login(gate, manager)
    response = gate.get(
        "/v1/shape?table=turns&table=properties&offset=-1&where=TRUE%20OR%20is_active%20%3D%20%241"
        "&params[1]=true&params[2]=x&secret=mine&columns=id,name",
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    assert electric.last() == {
        "table": "properties",
        "columns": "id,name",
        "where": '("property_manager_id" = $1 OR "sr_property_manager_id" = $2) AND ((TRUE OR ("is_active" = $3)))',
        "params[1]": str(manager.id),
        "params[2]": str(manager.id),
        "params[3]": "true",
        "secret": SECRET,
        "offset": "-1",
    }


def test_the_client_where_is_anded_after_the_scope(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    home = factory.property(manager)
    token = login(gate, manager)
    response = _shape(gate, token, "turns", where="status = $1 OR wo_number = 'W''1'", **{"params[1]": "open"})
    assert response.status_code == 200, response.text
    sent = electric.last()
    assert sent["where"] == '("property_id" IN ($1)) AND ((("status" = $2) OR ("wo_number" = $3)))'
    assert [sent["params[1]"], sent["params[2]"], sent["params[3]"]] == [str(home), "open", "W'1"]


@pytest.mark.parametrize(
    ("params", "status", "param"),
    [
        ({"table": "sessions"}, 400, "table"),
        ({"columns": "id,primary_lock_box_code"}, 403, "columns"),
        ({"columns": "id,turn_amount"}, 403, "columns"),
        ({"where": "turn_amount > 0"}, 403, "where"),
        ({"where": "id IN (SELECT turn_id FROM turns)"}, 400, "where"),
    ],
)
def test_refused_requests_never_reach_electric(
    gate: httpx.Client, electric: FakeElectric, factory: Factory, params: dict[str, str], status: int, param: str
) -> None:
    vendor = factory.user("VENDOR")
    response = gate.get(
        "/v1/shape", params={"table": "turns", "offset": "-1", **params}, headers=bearer(login(gate, vendor))
    )
    assert list(refused_as_electric(response, status)) == [param]
    assert electric.received == []


def test_protocol_parameters_pass_and_others_do_not(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    token = login(gate, factory.user("ADMIN"))
    protocol = {
        "offset": "26800584_4",
        "handle": "42-1",
        "live": "true",
        "live_sse": "true",
        "experimental_live_sse": "true",
        "cursor": "1234",
        "replica": "full",
        "log": "changes_only",
        "expired_handle": "41-9",
        "cache-buster": "abc",
    }
    others = {"database_id": "x", "api_secret": "y", "source_id": "z", "unknown": "1"}
    response = gate.get("/v1/shape", params={"table": "vendors", **protocol, **others}, headers=bearer(token))
    assert response.status_code == 200
    assert electric.last() == {"table": "vendors", "columns": _columns("vendors", "ADMIN"), "secret": SECRET} | protocol


def test_subsets_are_checked_then_passed_on_rewritten(
    gate: httpx.Client, electric: FakeElectric, factory: Factory
) -> None:
    company = factory.vendor()
    token = login(gate, factory.user("VENDOR", vendor_id=company))
    subset = {
        "subset__where": "wo_number = $1 OR status ILIKE 'open%'",
        "subset__params": '{"1": "WO-1"}',
        "subset__where_expr": '{"type": "ref", "column": "wo_number"}',
        "subset__order_by": "move_out_date DESC NULLS LAST",
        "subset__limit": "10",
        "subset__offset": "20",
    }
    assert _shape(gate, token, "turns", log="changes_only", **subset).status_code == 200
    sent = electric.last()
    assert (sent["where"], sent["params[1]"], sent["params[2]"]) == (
        '("vendor_id" = $1 OR "flooring_vendor_id" = $2)',
        str(company),
        str(company),
    )
    assert {k: v for k, v in sent.items() if k.startswith("subset__")} == {
        "subset__where": '(("wo_number" = $1) OR ("status" ILIKE $2))',
        "subset__params": '{"1":"WO-1","2":"open%"}',
        "subset__order_by": '"move_out_date" DESC NULLS LAST',
        "subset__limit": "10",
        "subset__offset": "20",
    }
    body = {"where": "wo_number = $1", "params": {"1": "WO-2"}, "limit": 5, "order_by": "wo_number"}
    posted = gate.post("/v1/shape", params={"table": "turns", "offset": "-1"}, json=body, headers=bearer(token))
    assert posted.status_code == 200
    assert (electric.last()["subset__where"], electric.last()["subset__params"]) == (
        '("wo_number" = $1)',
        '{"1":"WO-2"}',
    )
    received = len(electric.received)
    for refused in ({"subset__where": "turn_amount > 0"}, {"subset__where": "id IN (SELECT id FROM turns)"}):
        assert _shape(gate, token, "turns", **refused).status_code in (400, 403)
    assert len(electric.received) == received


def test_status_headers_and_body_come_back(gate: httpx.Client, electric: FakeElectric, factory: Factory) -> None:
    electric.status = 409
    electric.headers = {
        "content-type": "application/json",
        "electric-handle": "42-2",
        "cache-control": "public, max-age=60, must-revalidate",
        "etag": '"42-2:-1:-1"',
        "x-electric-internal": "hidden",
        "set-cookie": "upstream=1",
    }
    electric.chunks = [MUST_REFETCH]
    token = login(gate, factory.user("ADMIN"))
    response = _shape(gate, token, "turns", handle="42-1", offset="0_0")
    assert response.status_code == 409
    assert response.content == MUST_REFETCH
    assert response.headers["electric-handle"] == "42-2"
    assert response.headers["cache-control"] == "public, max-age=60, must-revalidate"
    assert response.headers["etag"] == '"42-2:-1:-1"'
    assert response.headers["vary"] == "Authorization, Cookie"
    assert response.headers["access-control-expose-headers"] == "electric-handle"
    assert "x-electric-internal" not in response.headers and "set-cookie" not in response.headers
    assert "content-encoding" not in response.headers


def test_a_live_stream_is_passed_on_as_it_comes(gate: httpx.Client, electric: FakeElectric, factory: Factory) -> None:
    events = [b'data: {"headers":{"control":"up-to-date"}}\n\n', b": keep-alive\n\n", b"data: {}\n\n"]
    electric.headers = {"content-type": "text/event-stream", "electric-handle": "42-1", "cache-control": "no-store"}
    electric.chunks, electric.streaming = events, True
    token = login(gate, factory.user("ADMIN"))
    live = {"offset": "0_0", "handle": "42-1", "live": "true", "live_sse": "true"}
    with gate.stream("GET", "/v1/shape", params={"table": "turns", **live}, headers=bearer(token)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert b"".join(response.iter_bytes()) == b"".join(events)


def test_a_session_is_required(gate: httpx.Client, electric: FakeElectric) -> None:
    response = gate.get("/v1/shape", params={"table": "turns", "offset": "-1"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert electric.received == []


def test_an_unreachable_electric_is_a_503(db: DatabaseUrls, factory: Factory) -> None:
    for gate in _serve(db, f"http://127.0.0.1:{free_port()}", sync=True):
        response = _shape(gate, login(gate, factory.user("ADMIN")), "turns")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert json.loads(response.text) == {"message": "the sync service is unreachable"}
        # With Electric configured, the local sync engine does not start (no slot of its own).
        slots = "SELECT count(*) FROM pg_replication_slots WHERE database = %s"
        assert factory.query(slots, (db.app.rsplit("/", 1)[-1],))[0][0] == 0
