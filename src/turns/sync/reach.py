"""A shape's *reach*: what RLS lets its user see of its table, held as data, so a decoded change
is routed to the shapes it concerns and their membership is decided without reading the row again.

A reach is a key: ``all`` (every row), ``self:<user>`` (the user's own rows), ``vendor:<company>``
(rows naming the company), ``manager:<user>`` (the properties a manager or senior manager is named
on, and their turns). A row belongs to the reaches :func:`row_reaches` lists, worked out from the
row alone and, for a turn, the managers of its property (:class:`Managers`, kept from the decoded
changes of ``properties``); a shape sees a row when its reach is among them and its ``where`` holds
(:mod:`turns.sync.predicates`). The two functions restate the SELECT policies of the synced tables
(migrations 0002, 0018-0023) for the cases where the row alone decides; every other shape has no
reach (None) and is read as its user, as before. RLS stays the rule: the sync tests compare every
role's shapes with what the API reads.

:class:`Router` is the index ``table → reach → shapes`` the engine keeps in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import structlog

from turns.access.actions import SEES_EVERY_ROW, is_vendor
from turns.access.roles import ADMINS, APPROVERS, MANAGERS, USER
from turns.sync.predicates import Predicate, Unsupported, compile_predicate
from turns.sync.shapes import BIDS, HIDDEN_FROM_VENDORS, MOVE_WITH_THEIR_TURN, ShapeDefinition

log = structlog.get_logger(__name__)

ALL = "all"
NONE = "none"
"""The reach of a shape RLS gives no row at all (no row is ever in it)."""
READ = "read"
"""The index's key for shapes without a reach: every change of their table concerns them."""
FOR_EVERYONE = frozenset({"turn_stages", "utility_providers"})
"""Tables every signed-in user reads in full."""
_BID_READERS = ADMINS | APPROVERS
_WORK = frozenset({"turns", "properties"}) | MOVE_WITH_THEIR_TURN


def shape_reach(definition: ShapeDefinition) -> str | None:
    """The reach of the shape's user on its table, when the row alone decides it; None otherwise."""
    table, role = definition.table, definition.role
    if table in FOR_EVERYONE or definition.generic:
        return ALL
    if table == "notifications":
        return f"self:{definition.user_id}"
    if table == "users":
        return f"self:{definition.user_id}" if is_vendor(role) else ALL
    if table == "vendors":
        return f"vendor:{definition.vendor_id}" if is_vendor(role) else ALL
    if table in BIDS:
        return ALL if role in _BID_READERS else None
    if table in _WORK and role in SEES_EVERY_ROW:
        return ALL
    if table in ("turns", "properties") and role in MANAGERS:
        return f"manager:{definition.user_id}"
    if table == "turns" and is_vendor(role):
        return f"vendor:{definition.vendor_id}"
    if (table in HIDDEN_FROM_VENDORS and is_vendor(role)) or (role == USER and table in ("turns", "properties")):
        return NONE
    return None


SHARED_BY = ("user_id", "role", "vendor_id")
"""What users who share a shape may differ in."""


def shared(reach: str | None) -> bool:
    """Whether every user of ``reach`` reads the same rows of the table: every row, a vendor
    company's (its users read the same), or none. (A manager's or a user's own rows are theirs.)"""
    return reach is not None and (reach in (ALL, NONE) or reach.startswith("vendor:"))


@lru_cache(maxsize=4096)
def shape_key(definition: ShapeDefinition) -> str:
    """The shape ``definition`` asks for. Users with the same reach, where it is :func:`shared`, and
    the same columns (a role's column rules) share one shape and its log: the user is not part of
    its key, only the reach. Every other shape is its user's own."""
    fields = {name: getattr(definition, name) for name in definition.__dataclass_fields__}
    reach = shape_reach(definition)
    if shared(reach):
        fields = {name: value for name, value in fields.items() if name not in SHARED_BY} | {"reach": reach}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def row_reaches(table: str, row: Mapping[str, Any], managers: Managers) -> set[str]:
    """The reaches ``row`` of ``table`` is in (only those :func:`shape_reach` can give); a turn's
    managers are those ``managers`` holds for its property."""
    if table == "notifications":
        return {f"self:{row['user_id']}"}
    if table == "users":
        return {ALL, f"self:{row['id']}"}
    if table == "vendors":
        return {ALL, f"vendor:{row['id']}"}
    if table == "properties":
        return {ALL, *_named("manager", row, "property_manager_id", "sr_property_manager_id")}
    if table == "turns":
        named = _named("vendor", row, "vendor_id", "flooring_vendor_id")
        return {ALL, *named, *(f"manager:{m}" for m in managers.of(str(row["property_id"])))}
    return {ALL}


def _named(kind: str, row: Mapping[str, Any], *columns: str) -> set[str]:
    return {f"{kind}:{row[c]}" for c in columns if row.get(c) is not None}


@dataclass
class Managers:
    """Each property's manager and senior manager, as of the steps decoded so far.

    Loaded once from the database when the engine starts (``loaded_at``: the end of the WAL when it
    was read) and kept from the decoded changes of ``properties`` after that. A step that ends
    before ``loaded_at`` may predate what was loaded, so it does not decide managers' turn shapes
    (they are read as their users, as before).
    """

    by_property: dict[str, tuple[str, ...]] = field(default_factory=dict)
    loaded_at: int = -1
    """-1: nothing loaded (no step decides managers' turns)."""

    def of(self, property_id: str) -> tuple[str, ...]:
        return self.by_property.get(property_id, ())

    def current_for(self, end_lsn: int) -> bool:
        """Whether the index holds the managers of every property as of a step ending at ``end_lsn``."""
        return 0 <= self.loaded_at < end_lsn

    def note(self, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        """A decoded change of ``properties``."""
        if old is not None and (new is None or old["id"] != new["id"]):
            self.by_property.pop(str(old["id"]), None)
        if new is not None:
            names = (new.get("property_manager_id"), new.get("sr_property_manager_id"))
            self.by_property[str(new["id"])] = tuple(str(n) for n in names if n is not None)


@dataclass(frozen=True)
class Route:
    """How a shape learns of changes: by its reach and predicate, or (either None) by reading."""

    shape_id: int
    definition: ShapeDefinition
    reach: str | None
    predicate: Predicate | None

    @property
    def decided(self) -> bool:
        """Whether decoded rows decide the shape's membership (else its rows are read as its user)."""
        return self.reach is not None and self.predicate is not None


def route(shape_id: int, definition: ShapeDefinition) -> Route:
    reach = shape_reach(definition)
    try:
        predicate = compile_predicate(definition.table, definition.where_sql, definition.where_values)
    except Unsupported as exc:
        log.info("sync_where_read_as_user", shape=shape_id, reason=str(exc))
        predicate = None
    return Route(shape_id, definition, reach, predicate)


class Router:
    """The shapes in memory, indexed ``table → reach → shape ids`` (:data:`READ` for shapes without one)."""

    def __init__(self, managers: Managers | None = None) -> None:
        self.routes: dict[int, Route] = {}
        self.index: dict[str, dict[str, set[int]]] = {}
        self.managers = managers or Managers()

    def add(self, shape_id: int, definition: ShapeDefinition) -> None:
        found = route(shape_id, definition)
        self.routes[shape_id] = found
        key = found.reach if found.decided and found.reach is not None else READ
        self.index.setdefault(definition.table, {}).setdefault(key, set()).add(shape_id)

    def remove(self, shape_id: int) -> None:
        found = self.routes.pop(shape_id, None)
        if found is None:
            return
        for ids in self.index.get(found.definition.table, {}).values():
            ids.discard(shape_id)

    def on_table(self, table: str) -> list[Route]:
        return [self.routes[i] for ids in self.index.get(table, {}).values() for i in ids]

    def undecided(self, table: str) -> list[Route]:
        """The shapes of ``table`` read as their users."""
        return [self.routes[i] for i in self.index.get(table, {}).get(READ, ())]

    def reached(self, table: str, reaches: Iterable[str]) -> set[int]:
        """The shapes of ``table`` whose reach is one of ``reaches``."""
        by_reach = self.index.get(table, {})
        return {i for reach in reaches for i in by_reach.get(reach, ())}

    def of_managers(self, table: str) -> set[int]:
        """The shapes of ``table`` whose reach is a manager's."""
        by_reach = self.index.get(table, {})
        return {i for reach, ids in by_reach.items() if reach.startswith("manager:") for i in ids}

    def of_users(self, users: set[str]) -> list[int]:
        return [i for i, r in self.routes.items() if r.definition.user_id in users]
