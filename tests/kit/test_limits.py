"""Input limits: JSON bodies, If-Match, list cursors and query strings refuse what is past them
with a 4xx problem+json, by the parsers and through the running server; an unhandled error is
still a problem+json 500 with its request id."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.api import PROBLEM, token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from tests.hostile import HUGE_DIGITS, IF_MATCH, deep_json, json_text
from turns.db.urls import DatabaseUrls
from turns.kit.errors import BadRequest, Unprocessable
from turns.kit.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth, loads, whole_number
from turns.kit.pagination import decode_cursor
from turns.kit.records import expected_version

UNIT = settings(max_examples=200, deadline=None, database=None)
HTTP = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="[]{}\"'", max_size=3), inner),
    max_leaves=30,
)
PROPERTIES = "/api/v1/properties"
_IF_MATCH = 'If-Match must be an ETag from a read, e.g. "3"'
_TOO_LARGE = f"a JSON body may be at most {MAX_JSON_BYTES} bytes"


def _depth(value: Any) -> int:
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    return 0 if children is None else 1 + max(map(_depth, children), default=0)


@UNIT
@given(value=JSON_VALUES)
def test_json_depth_is_the_nesting_of_arrays_and_objects(value: Any) -> None:
    assert json_depth(json.dumps(value)) == _depth(value)


@UNIT
@given(raw=json_text())
def test_json_is_loaded_within_the_limits_or_refused_with_value_error(raw: str) -> None:
    try:
        loaded = loads(raw)
    except ValueError:
        return
    assert _depth(loaded) <= MAX_JSON_DEPTH


@UNIT
@given(text=st.one_of(st.text(max_size=25), HUGE_DIGITS, st.from_regex(r"\A[0-9]{1,30}\Z")))
def test_whole_numbers_are_ascii_digits_that_fit_a_bigint(text: str) -> None:
    number = whole_number(text)
    assert number == (int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None)
    assert number is None or number < 2**63


@UNIT
@given(if_match=IF_MATCH)
def test_if_match_is_a_version_or_a_422(if_match: str) -> None:
    try:
        version, from_header = expected_version(if_match, None)
    except Unprocessable:
        return
    assert from_header and 0 <= version < 10**18


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@UNIT
@given(cursor=st.one_of(st.text(max_size=40), json_text().map(_cursor)))
def test_a_cursor_is_read_or_a_400(cursor: str) -> None:
    try:
        values = decode_cursor(cursor, "name")
    except BadRequest:
        return
    assert len(values) == 2


def _problem(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == detail
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_the_reported_requests_are_4xx(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("ADMIN"))
    property_id = factory.property()
    url = f"{PROPERTIES}/{property_id}"
    huge = "9" * 4301
    _problem(client.patch(url, headers={**admin, "If-Match": f'"{huge}"'}, json={"name": "x"}), 422, _IF_MATCH)
    _problem(client.patch(url, headers=_raw(admin, b"If-Match", '"\u00b2"'.encode()), json={}), 422, _IF_MATCH)
    deep = deep_json(1000, "[")
    too_deep = f"JSON may nest arrays and objects at most {MAX_JSON_DEPTH} deep"
    _problem(client.post(PROPERTIES, headers=admin, content=deep), 400, too_deep)
    as_json = {**admin, "content-type": "application/json; charset=utf-8"}
    _problem(client.post(PROPERTIES, headers=as_json, content=deep_json(1000, "{")), 400, too_deep)
    large = json.dumps({"name": "x" * MAX_JSON_BYTES})
    _problem(client.post(PROPERTIES, headers=as_json, content=large), 413, _TOO_LARGE)
    chunked = client.post(PROPERTIES, headers=as_json, content=iter([large[:1000].encode(), large[1000:].encode()]))
    _problem(chunked, 413, _TOO_LARGE)
    _problem(
        client.get(PROPERTIES, headers=admin, params={"cursor": _cursor(deep), "sort": "name"}),
        400,
        "the cursor is not valid",
    )
    # Within the limits, a body is still read as it was sent.
    assert client.patch(url, headers={**admin, "If-Match": '"1"'}, json={"name": "Renamed"}).json()["name"] == "Renamed"


def _raw(headers: dict[str, str], name: bytes, value: bytes) -> list[tuple[bytes, bytes]]:
    """``headers`` plus one header sent as raw bytes (values HTTP allows but ``str`` would refuse)."""
    return [*((k.encode(), v.encode()) for k, v in headers.items()), (name, value)]


def _header_value(text: str) -> bytes:
    """``text`` as bytes HTTP/1.1 lets a header carry (no control characters, nothing around it)."""
    return re.sub(rb"[\x00-\x08\x0a-\x1f\x7f]", b"", text.encode()).strip(b" \t")


def _no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM, response.text
        assert response.json()["request_id"] == response.headers["x-request-id"]


def test_hostile_bodies_headers_and_queries_are_never_server_errors(client: httpx.Client, factory: Factory) -> None:
    """As an admin and as a property manager: JSON bodies, If-Match and list query strings."""
    manager = factory.user("PROPERTY_MANAGER")
    users = [token(client, factory.user("ADMIN")), token(client, manager)]
    url = f"{PROPERTIES}/{factory.property(manager)}"
    queries = st.fixed_dictionaries(
        {},
        optional={
            "cursor": st.one_of(st.text(max_size=30), json_text(600).map(_cursor)),
            "sort": st.one_of(st.sampled_from(["name", "-name", "-", ""]), st.text(max_size=10)),
            "limit": st.one_of(HUGE_DIGITS, st.text(max_size=5)),
            "q": st.text(max_size=30),
        },
    )

    @HTTP
    @given(headers=st.sampled_from(users), body=json_text(), if_match=IF_MATCH, query=queries)
    def run(headers: dict[str, str], body: str, if_match: str, query: dict[str, str]) -> None:
        as_json = {**headers, "content-type": "application/json"}
        _no_server_error(client.post(PROPERTIES, headers=as_json, content=body))
        _no_server_error(client.patch(url, headers=as_json, content=body))
        # With a change in the body: a PATCH holding no change at all (``UPDATE ... SET WHERE``) is
        # fixed apart from the input limits.
        changed = _raw(headers, b"If-Match", _header_value(if_match))
        _no_server_error(client.patch(url, headers=changed, json={"name": "Renamed"}))
        _no_server_error(client.get(PROPERTIES, headers=headers, params=query))

    run()


async def _fail() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def failing_server(db: DatabaseUrls) -> Iterator[LiveServer]:
    """The app with one more route, which raises what no handler knows."""
    server = LiveServer(db)
    server.app.router.routes.insert(0, APIRoute("/test/fail", _fail))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_an_unhandled_error_is_a_problem_500_with_its_request_id(failing_server: LiveServer) -> None:
    with httpx.Client(base_url=failing_server.base_url) as client:
        failed = client.get("/test/fail", headers={"X-Request-ID": "trace-0123456789"})
        assert failed.status_code == 500
        assert failed.headers["content-type"] == PROBLEM
        assert failed.headers["x-request-id"] == "trace-0123456789"
        assert failed.json() == {
            "type": "https://turns.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "instance": "/test/fail",
            "request_id": "trace-0123456789",
        }
        assert failed.headers.get("connection") != "close"
        assert client.get("/healthz").status_code == 200
