"""Hostile shape requests: every parser of ``/v1/shape`` refuses what it cannot take with a
4xx naming the parameter, whatever a signed-in user sends; never a 500."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from tests.fixtures.api import PROBLEM
from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.hostile import COLUMNS, HUGE_DIGITS, ODD_DIGITS, PARAM_KEYS, json_text, where
from tests.sync.shape_http import refused_as_electric
from turns.access.identity import CurrentUser
from turns.sync.params import InvalidRequest, parse
from turns.sync.subsets import body_fields, parse_subset, query_fields
from turns.sync.where import WhereError, compile_order_by, compile_where

MANAGER = CurrentUser(id=uuid4(), email="pm@example.com", role="PROPERTY_MANAGER", vendor_id=None, session_id=uuid4())
COLUMN_NAMES = frozenset({"id", "name", "status"})
OFFSETS = st.one_of(
    st.sampled_from(["-1", "now", "0_inf", "99999999999999999999_0", "1_99999999999999999999", "\u0661_1", "-2"]),
    HUGE_DIGITS.map(lambda n: f"{n}_0"),
    st.text(max_size=30),
)
Sender = Callable[[dict[str, str], Any], None]
UNIT = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
HTTP = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _raises_only(call: Callable[[], object], *refusals: type[Exception]) -> None:
    """Run ``call``: it may raise one of ``refusals`` (a 4xx), anything else fails the test."""
    with contextlib.suppress(*refusals):
        call()


@UNIT
@given(source=where())
def test_where_refuses_with_where_error(source: str) -> None:
    _raises_only(
        lambda: compile_where(source, columns=COLUMN_NAMES, readable=COLUMN_NAMES, params={1: "x"}), WhereError
    )
    _raises_only(lambda: compile_order_by(source, columns=COLUMN_NAMES, readable=COLUMN_NAMES), WhereError)


@UNIT
@given(
    where=where(),
    columns=COLUMNS,
    key=PARAM_KEYS,
    offset=OFFSETS,
    handle=st.text(max_size=20),
    live=st.sampled_from(["true", "false", "yes", "\u00e9"]),
)
def test_shape_parameters_refuse_with_invalid_request(
    where: str, columns: str, key: str, offset: str, handle: str, live: str
) -> None:
    query = {"table": "turns", "where": where, "columns": columns, key: "x", "offset": offset, "handle": handle}
    _raises_only(lambda: parse(QueryParams({**query, "live": live}), MANAGER), InvalidRequest)
    for name in ("where", "columns", key, "offset"):
        alone = {"table": "turns", "offset": "-1", name: query[name]}
        _raises_only(lambda alone=alone: parse(QueryParams(alone), MANAGER), InvalidRequest)  # type: ignore[misc]


@UNIT
@given(params=json_text(), where=where(), order_by=where(), limit=st.one_of(st.text(max_size=5), ODD_DIGITS))
def test_subsets_refuse_with_invalid_request(params: str, where: str, order_by: str, limit: str) -> None:
    definition = parse(QueryParams({"table": "turns", "offset": "-1"}), MANAGER).definition
    query = {"subset__params": params, "subset__where": where, "subset__order_by": order_by, "subset__limit": limit}

    def from_query() -> None:
        fields = query_fields(query)
        assert fields is not None
        parse_subset(fields, definition)

    _raises_only(from_query, InvalidRequest)
    _raises_only(lambda: parse_subset(body_fields(params.encode()), definition), InvalidRequest)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("(" * 94 + "id = 1" + ")" * 94, "the clause nests more than 32 levels deep at position 33"),
        ("NOT " * 2000 + "id = 1", "the clause nests more than 32 levels deep at position 129"),
        ("lower(" * 100 + "name" + ")" * 100 + " = 'a'", "the clause nests more than 32 levels deep at position 198"),
        ("id = " + "- " * 1000 + "1", "the clause nests more than 32 levels deep at position 70"),
        ("id = $" + "9" * 4301, "parameters go up to $9999 at position 6"),
        ("id = 'x'" + " " * 16 * 1024, "must be at most 16384 characters long"),
    ],
)
def test_limits_of_a_where_clause(where: str, message: str) -> None:
    with pytest.raises(WhereError) as refused:
        compile_where(where, columns=COLUMN_NAMES, readable=COLUMN_NAMES, params={1: "x"})
    assert str(refused.value) == message


def test_clauses_within_the_limits_still_compile() -> None:
    deepest = "(" * 31 + "NOT id = 1" + ")" * 31
    assert compile_where(deepest, columns=COLUMN_NAMES, readable=COLUMN_NAMES, params={}).sql == '(NOT ("id" = 1))'


def _refused(response: httpx.Response, param: str, detail: str) -> None:
    assert refused_as_electric(response) == {param: [detail]}
    assert response.headers["x-request-id"]


def test_the_reported_requests_are_400s(sync_client: httpx.Client, factory: Factory) -> None:
    headers = bearer(login(sync_client, factory.user("PROPERTY_MANAGER")))

    def get(**params: str) -> httpx.Response:
        return sync_client.get("/v1/shape", params={"table": "turns", "offset": "-1", **params}, headers=headers)

    nested = "(" * 94 + "id IS NULL" + ")" * 94
    _refused(get(where=nested), "where", "the clause nests more than 32 levels deep at position 33")
    for column in ("#", ";", "\u00e9"):
        _refused(get(columns=f"id,{column}"), "columns", f"unexpected {column!r} at position 4")
    huge = "9" * 4301
    _refused(get(where=f"id = ${huge}"), "where", "parameters go up to $9999 at position 6")
    _refused(get(**{f"params[{huge}]": "x"}), f"params[{huge}]", "must be params[n], n a number of 1 to 4 digits")
    _refused(get(offset=f"{huge}_0", handle="h"), "offset", "must be -1, now, or <tx>_<op>")
    deep = "[" * 1000 + "]" * 1000
    detail = "JSON may nest arrays and objects at most 32 deep"
    _refused(get(subset__params=deep), "subset__params", detail)

    def post(content_type: str) -> httpx.Response:
        sent = {**headers, "content-type": content_type}
        return sync_client.post("/v1/shape", params={"table": "turns", "offset": "-1"}, headers=sent, content=deep)

    _refused(post("text/plain"), "body", detail)  # read by the subset parser itself
    refused = post("application/json")  # refused before any endpoint reads it
    assert (refused.status_code, refused.headers["content-type"]) == (400, PROBLEM)
    assert refused.json()["detail"] == detail


def _no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code in (400, 403) and response.headers["content-type"] == "application/json":
        refused_as_electric(response, response.status_code)  # refused by the shape endpoint
    elif response.status_code >= 400 and response.status_code != 409:  # 409: Electric's must-refetch
        assert response.headers["content-type"] == PROBLEM, response.text  # refused before it
        assert response.headers["x-request-id"]


def test_hostile_shape_requests_are_never_server_errors(synced: LiveServer, factory: Factory) -> None:
    """Through the running server, as an admin and as a property manager (whose columns and rows are
    narrower); query strings stay within the 16 KiB request head, bodies carry the deepest input."""
    with httpx.Client(base_url=synced.base_url, timeout=60) as client:
        users = [bearer(login(client, factory.user(role))) for role in ("SUPER_ADMIN", "PROPERTY_MANAGER")]
        client.cookies.clear()
        shape = {"table": "turns", "offset": "-1"}

        def get(headers: dict[str, str], **params: str) -> None:
            _no_server_error(client.get("/v1/shape", params={**shape, **params}, headers=headers))

        def post(headers: dict[str, str], body: str, content_type: str) -> None:
            sent = {**headers, "content-type": content_type}
            _no_server_error(client.post("/v1/shape", params=shape, headers=sent, content=body))

        strategies: dict[str, tuple[st.SearchStrategy[Any], Sender]] = {
            "where": (where(600), lambda h, w: get(h, where=w, **{"params[1]": "x"})),
            "columns": (COLUMNS, lambda h, c: get(h, columns=c)),
            "params": (PARAM_KEYS, lambda h, k: get(h, where="id::text = $1", **{k: "x"})),
            "subset params": (json_text(600), lambda h, p: get(h, subset__where="id::text = $1", subset__params=p)),
            "subset where": (where(), lambda h, w: post(h, json.dumps({"where": w, "params": ["x"]}), "text/plain")),
            "body": (json_text(), lambda h, b: post(h, b, "application/json")),
            "offset, handle, cursor": (
                st.tuples(OFFSETS, st.text(max_size=20), st.text(max_size=20)),
                lambda h, ohc: get(h, offset=ohc[0], handle=ohc[1], cursor=ohc[2]),
            ),
        }
        failures = {name: _fuzz(users, *parser) for name, parser in strategies.items()}
    assert {name: failure for name, failure in failures.items() if failure} == {}


def _fuzz(users: list[dict[str, str]], strategy: st.SearchStrategy[Any], send: Sender) -> str | None:
    """``send`` hostile values as each user; the first failure (shrunk), or None."""

    @HTTP
    @given(headers=st.sampled_from(users), value=strategy)
    def run(headers: dict[str, str], value: Any) -> None:
        send(headers, value)

    try:
        run()
    except Exception as exc:  # every parser's failure is collected, then all reported
        return str(exc)[:2000]
    return None
