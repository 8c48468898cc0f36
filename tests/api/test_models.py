"""The API's records are built from database rows as they are (``Resource.model``), not
validated field by field: every resource's model must take its table's values as the types it
declares, or its JSON would differ from the validated model's (and pydantic would warn, which
fails the suite)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import httpx
import psycopg
from fastapi.routing import APIRoute
from sqlalchemy import create_engine, select

import turns
from tests.api.test_round_trips import _routes
from tests.fixtures.server import running
from turns.api.versioned import Resource
from turns.app import create_app
from turns.db.context import SET_CONTEXT_SQL, Actor, system_actor
from turns.db.urls import DatabaseUrls
from turns.kit.pagination import Page
from turns.seed.demo import Credential

SKIPPED = ("turns.cli", "turns.db.migrations", "turns.__main__")


def _resources() -> list[Resource[Any]]:
    found: dict[int, Resource[Any]] = {}
    for module in pkgutil.walk_packages(turns.__path__, "turns."):
        if module.name.startswith(SKIPPED):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Resource):
                found[id(value)] = value
    return list(found.values())


def test_every_resource_model_takes_its_rows_as_they_are(db: DatabaseUrls, demo: dict[str, Credential]) -> None:
    resources = _resources()
    checked: set[str] = set()
    with psycopg.connect(db.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("test").params())
        row = conn.execute("SELECT id FROM users WHERE email = %s", (demo["SUPER_ADMIN"].email,)).fetchone()
    assert row is not None
    engine = create_engine(db.app.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(SET_CONTEXT_SQL, Actor(user_id=row[0], context="test").params())
            for resource in resources:
                columns = [resource.table.c[c] for c in sorted(resource.out.model_fields) if c in resource.table.c]
                rows = conn.execute(select(*columns).limit(50)).mappings().all()
                for values in rows:
                    built = resource.out.model_construct(**values).model_dump(mode="json", exclude_unset=True)
                    validated = resource.out.model_validate(dict(values)).model_dump(mode="json", exclude_unset=True)
                    assert built == validated, resource.table.name
                    checked.add(resource.table.name)
    finally:
        engine.dispose()
    assert checked >= {"turns", "properties", "vendors", "users", "utility_providers", "turn_stages", "scope_lines"}


def _list_routes() -> dict[str, APIRoute]:
    """The lists that answer a ``Page`` (``GET`` of a resource's path), by path."""
    routes = {}
    for route in _routes(create_app().routes):
        answer = getattr(route.response_model, "__pydantic_generic_metadata__", {})
        if "GET" in (route.methods or ()) and answer.get("origin") is Page:
            routes[route.path] = route
    return routes


def test_every_list_answers_its_declared_page_as_the_model_would(db: DatabaseUrls, demo: dict[str, Credential]) -> None:
    """A resource's list writes its page's JSON from the rows (``Resource.page``), not through the
    ``Page`` model it declares: for every role, each page is what that model makes of it, with the
    endpoint's own setting for fields not set."""
    routes = _list_routes()
    listed = {r.path: r for r in _resources() if r.path in routes}
    assert set(listed) >= {"/api/v1/turns", "/api/v1/properties", "/api/v1/vendors", "/api/v1/users"}
    items = 0
    with running(db) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        for credential in demo.values():
            signed_in = http.post(
                "/api/v1/auth/login", json={"email": credential.email, "password": credential.password}
            )
            headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
            http.cookies.clear()
            for path, resource in listed.items():
                response = http.get(path, headers=headers, params={"limit": 200})
                if response.status_code == 403:
                    continue
                assert response.status_code == 200, (path, credential.role, response.text)
                assert response.headers["content-type"] == "application/json"
                route = routes[path]
                page = Page[resource.out].model_validate_json(response.content)  # type: ignore[name-defined]
                exclude_unset = route.response_model_exclude_unset
                assert response.json() == page.model_dump(mode="json", exclude_unset=exclude_unset), path
                # byte for byte, as the model writes it
                assert response.content == page.model_dump_json(exclude_unset=exclude_unset).encode(), path
                items += len(page.items)
    assert items > 100
