"""Routers are included most-asked-for first (FastAPI tries them in turn): that order must change
nothing but the time it takes, so no route may be shadowed by one tried before it."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from tests.api.test_round_trips import _routes
from turns.app import create_app

AN_ID = "00000000-0000-0000-0000-000000000001"


def _reached(app: Any, method: str, path: str) -> APIRoute | None:
    """The route a request of ``method`` and ``path`` reaches: the first full match among the
    app's routes and, within an included router, among that router's routes."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "app": app}
    for entry in app.router.routes:
        if entry.matches(scope)[0] != Match.FULL:
            continue
        included = getattr(entry, "original_router", None)
        if included is None:
            return entry if isinstance(entry, APIRoute) else None
        return next((r for r in _routes(included.routes) if r.matches(scope)[0] == Match.FULL), None)
    return None


def test_every_route_is_reached_by_its_own_path() -> None:
    app = create_app()
    routes = list(_routes(app.routes))
    assert len(routes) > 100
    shadowed = []
    for route in routes:
        path = re.sub(r"\{[^}]+\}", AN_ID, route.path)
        for method in sorted(route.methods or ()):
            reached = _reached(app, method, path)
            if reached is not route:
                shadowed.append(f"{method} {route.path} -> {reached.path if reached else None}")
    assert shadowed == []


def test_a_shadowed_route_is_found() -> None:
    """The check above can fail: a router tried first whose path has a parameter where a later
    router's route has a word takes that route's requests."""
    app = FastAPI()
    first, later = APIRouter(prefix="/items"), APIRouter(prefix="/items")

    @first.get("/{item_id}")
    def one_item(item_id: str) -> None: ...

    @later.get("/special")
    def special() -> None: ...

    app.include_router(first)
    app.include_router(later)
    item, word = (next(r for r in _routes(app.routes) if r.path == p) for p in ("/items/{item_id}", "/items/special"))
    assert _reached(app, "GET", "/items/special") is item is not word
    assert _reached(app, "GET", f"/items/{AN_ID}") is item
