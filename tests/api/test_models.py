"""The API's records are built from database rows as they are (``Resource.model``), not
validated field by field: every resource's model must take its table's values as the types it
declares, or its JSON would differ from the validated model's (and pydantic would warn, which
fails the suite)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import psycopg
from sqlalchemy import create_engine, select

import turns
from turns.api.versioned import Resource
from turns.db.context import SET_CONTEXT_SQL, Actor, system_actor
from turns.db.urls import DatabaseUrls
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
