"""The generic mode (``TURNS_SYNC_TEST_SCHEMA``): any table of one schema, read without a user, as
Electric serves its own client test suite; and that it opens nothing else."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.fixtures.sync import serving
from tests.sync.node import NodeClient
from tests.sync.shape_http import refused_as_electric
from turns.config import ConfigError, Settings, check_test_mode
from turns.db.urls import DatabaseUrls

SCHEMA = "electric_test"
TABLE = f'{SCHEMA}."odd table"'
KEY = '"electric_test"."odd table"'


@pytest.fixture
def generic(db: DatabaseUrls, tmp_path: Path) -> Iterator[LiveServer]:
    with serving(db, tmp_path / "sync", sync_test_schema=SCHEMA) as server:
        yield server


@pytest.fixture
def owner(db: DatabaseUrls) -> Iterator[psycopg.Connection[Any]]:
    """The tests' own connection, as Electric's suite has one: it makes the tables."""
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        conn.execute(
            f"""
            CREATE SCHEMA {SCHEMA};
            CREATE TYPE {SCHEMA}.mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE {TABLE} (
                n int2 PRIMARY KEY, title text NOT NULL, "has,comma" text, "has""quote" int8,
                b boolean, f8 float8, doubles float8[], m {SCHEMA}.mood, j jsonb, priority int NOT NULL DEFAULT 10
            )
            """
        )
        yield conn


def _get(http: httpx.Client, **params: str) -> httpx.Response:
    return http.get("/v1/shape", params={"table": TABLE, **params})


def _follow(http: httpx.Client, response: httpx.Response, **params: str) -> httpx.Response:
    """The next live answer after ``response`` (of the shape ``params`` name, with the table)."""
    handle, offset = response.headers["electric-handle"], response.headers["electric-offset"]
    return _get(http, offset=offset, handle=handle, live="true", **params)


def _changes(body: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m["headers"]["operation"], m["key"], m["value"]) for m in body if "key" in m]


def test_any_table_of_the_schema_is_served_without_a_user(generic: LiveServer, owner: psycopg.Connection[Any]) -> None:
    owner.execute(
        f"""INSERT INTO {TABLE} VALUES
        (2, 'two', 'a,b', 9223372036854775807, true, 'NaN', '{{Infinity,-Infinity,NaN}}', 'happy', '{{"a": [1]}}'),
        (10, 'ten', NULL, NULL, false, 4.5, NULL, NULL, NULL)"""
    )
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        first = _get(http, offset="-1")
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"].startswith("public, max-age=")  # nothing in it is a user's
        schema = json.loads(first.headers["electric-schema"])
        assert schema["n"] == {"type": "int2", "pk_index": 0, "not_null": True}
        assert (schema["m"]["type"], schema["doubles"]) == ("mood", {"type": "float8", "dims": 1})
        # Rows as the table is read (the order they were inserted in), values as PostgreSQL writes them.
        assert _changes(first.json()) == [
            (
                "insert",
                f'{KEY}/"2"',
                {"n": "2", "title": "two", "has,comma": "a,b", 'has"quote': "9223372036854775807", "b": "t"}
                | {"f8": "NaN", "doubles": "{Infinity,-Infinity,NaN}", "m": "happy", "j": '{"a": [1]}'}
                | {"priority": "10"},
            ),
            (
                "insert",
                f'{KEY}/"10"',
                {"n": "10", "title": "ten", "has,comma": None, 'has"quote': None, "b": "f", "f8": "4.5"}
                | {"doubles": None, "m": None, "j": None, "priority": "10"},
            ),
        ]
        # Three transactions, three messages, each decided from the decoded row.
        owner.execute(f"INSERT INTO {TABLE} (n, title) VALUES (3, 'three')")
        owner.execute(f"UPDATE {TABLE} SET title = 'deux' WHERE n = 2")
        owner.execute(f"DELETE FROM {TABLE} WHERE n = 10")
        seen: list[tuple[str, str, dict[str, Any]]] = []
        response = first
        while len(seen) < 3:
            response = _follow(http, response)
            assert response.status_code == 200, response.text
            seen += _changes(response.json())
        assert seen == [
            (
                "insert",
                f'{KEY}/"3"',
                {"n": "3", "title": "three"}
                | dict.fromkeys(("has,comma", 'has"quote'))
                | dict.fromkeys(("b", "f8", "doubles", "m", "j"))
                | {"priority": "10"},
            ),
            ("update", f'{KEY}/"2"', {"n": "2", "title": "deux"}),
            ("delete", f'{KEY}/"10"', {"n": "10"}),
        ]


def test_a_where_clause_moves_rows_in_and_out(generic: LiveServer, owner: psycopg.Connection[Any]) -> None:
    owner.execute(f"INSERT INTO {TABLE} (n, title, priority) VALUES (1, 'low', 1), (2, 'high', 20)")
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        clause = {"where": 'priority > $1 AND "has,comma" IS NULL', "params[1]": "5"}
        first = _get(http, offset="-1", **clause)
        assert [key for _, key, _ in _changes(first.json())] == [f'{KEY}/"2"']
        owner.execute(f"UPDATE {TABLE} SET priority = 30 WHERE n = 1")
        owner.execute(f"UPDATE {TABLE} SET priority = 0 WHERE n = 2")
        seen: list[tuple[str, str]] = []
        response = first
        while len(seen) < 2:
            response = _follow(http, response, **clause)
            seen += [(op, key) for op, key, _ in _changes(response.json())]
        assert seen == [("insert", f'{KEY}/"1"'), ("delete", f'{KEY}/"2"')]


def test_electrics_client_follows_a_generic_table(
    generic: LiveServer, owner: psycopg.Connection[Any], clients: list[NodeClient]
) -> None:
    owner.execute(f"INSERT INTO {TABLE} (n, title) VALUES (1, 'one')")
    client = NodeClient(generic.base_url, "", TABLE)
    clients.append(client)
    client.wait_for(lambda state: set(state["rows"]) == {f'{KEY}/"1"'})
    owner.execute(f"INSERT INTO {TABLE} (n, title) VALUES (2, 'two')")
    owner.execute(f"DELETE FROM {TABLE} WHERE n = 1")
    state = client.wait_for(lambda state: set(state["rows"]) == {f'{KEY}/"2"'})
    assert state["counts"]["duplicate"] == state["counts"]["missing"] == 0


def test_delete_by_table_removes_every_shape_of_it(generic: LiveServer, owner: psycopg.Connection[Any]) -> None:
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        everything = _get(http, offset="-1")
        some = _get(http, offset="-1", where="n > 5")
        assert everything.headers["electric-handle"] != some.headers["electric-handle"]
        assert http.delete("/v1/shape", params={"table": TABLE}).status_code == 202
        for gone in (everything, some):
            again = _get(http, offset=gone.headers["electric-offset"], handle=gone.headers["electric-handle"])
            assert again.status_code == 409
        renewed = _get(http, offset="-1")
        assert http.delete("/v1/shape", params={"handle": renewed.headers["electric-handle"]}).status_code == 202


def test_a_dropped_table_takes_its_shapes_and_nothing_else(generic: LiveServer, owner: psycopg.Connection[Any]) -> None:
    owner.execute(f"CREATE TABLE {SCHEMA}.other (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v text)")
    read_again = {"where": "title::text = 'x'"}  # (a cast: the engine reads its rows again)
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        dropped = _get(http, offset="-1", **read_again)
        assert dropped.status_code == 200, dropped.text
        other = http.get("/v1/shape", params={"table": f"{SCHEMA}.other", "offset": "-1"})
        assert other.status_code == 200, other.text
        # A change the engine reads after the table is gone: it cannot read that shape again.
        owner.execute(f"BEGIN; INSERT INTO {TABLE} (n, title) VALUES (1, 'x'); DROP TABLE {TABLE}; COMMIT")
        owner.execute(f"INSERT INTO {SCHEMA}.other (v) VALUES ('still synced')")
        body = _follow(http, other, table=f"{SCHEMA}.other").json()
        assert [value["v"] for _, _, value in _changes(body)] == ["still synced"]
        handle, offset = dropped.headers["electric-handle"], dropped.headers["electric-offset"]
        assert _get(http, offset=offset, handle=handle, **read_again).status_code in (400, 409)
        assert list(refused_as_electric(_get(http, offset="-1"))) == ["table"]


def test_unknown_tables_and_bad_clauses_are_refused_as_electric(
    generic: LiveServer, owner: psycopg.Connection[Any]
) -> None:
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        missing = http.get("/v1/shape", params={"table": f"{SCHEMA}.nothing", "offset": "-1"})
        assert list(refused_as_electric(missing)) == ["table"]
        wrong = _get(http, offset="-1", where="1 x 1")
        assert refused_as_electric(wrong) == {"where": ['At location 17: syntax error at or near "x"']}


def test_electrics_client_reads_a_refusal(
    generic: LiveServer, owner: psycopg.Connection[Any], factory: Factory, clients: list[NodeClient]
) -> None:
    """``FetchError.json`` holds Electric's body, for a generic table and for a user's shape alike
    (the client reads the body only when it is typed ``application/json``)."""
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        token = login(http, factory.user("ADMIN"))
    for table, key in ((TABLE, ""), ("vendors", token)):
        client = NodeClient(generic.base_url, key, table, where="1 x 1")
        clients.append(client)
        failed = client.states.get(timeout=30)
        assert (failed["status"], failed["json"]) == (
            400,
            {"message": "Invalid request", "errors": {"where": ['At location 17: syntax error at or near "x"']}},
        )


def test_the_mode_opens_no_other_table(generic: LiveServer, factory: Factory) -> None:
    with httpx.Client(base_url=generic.base_url, timeout=30) as http:
        assert http.get("/v1/shape", params={"table": "turns", "offset": "-1"}).status_code == 401
        assert http.get("/v1/shape", params={"table": "public.users", "offset": "-1"}).status_code == 401
        headers = bearer(login(http, factory.user("ADMIN")))
        other = http.get("/v1/shape", params={"table": "jobs.procrastinate_jobs", "offset": "-1"}, headers=headers)
        assert list(refused_as_electric(other)) == ["table"]


def test_without_the_mode_the_schema_is_not_served(sync_client: httpx.Client, factory: Factory, owner: Any) -> None:
    assert sync_client.get("/v1/shape", params={"table": TABLE, "offset": "-1"}).status_code == 401
    headers = bearer(login(sync_client, factory.user("ADMIN")))
    refused = sync_client.get("/v1/shape", params={"table": TABLE, "offset": "-1"}, headers=headers)
    assert list(refused_as_electric(refused)) == ["table"]
    sync_client.cookies.clear()
    assert sync_client.delete("/v1/shape", params={"table": TABLE}).status_code == 401


def test_the_mode_listens_on_loopback_only_in_one_process() -> None:
    settings = dataclasses.replace(Settings.from_env(), sync_test_schema=SCHEMA)
    for host in ("127.0.0.1", "::1", "localhost"):
        check_test_mode(settings, host, 1)
    for host, workers in (("0.0.0.0", 1), ("192.168.1.5", 1), ("example.com", 1), ("127.0.0.1", 2)):
        with pytest.raises(ConfigError):
            check_test_mode(settings, host, workers)
    check_test_mode(Settings.from_env(), "0.0.0.0", 4)
