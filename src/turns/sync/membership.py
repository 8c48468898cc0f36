"""What a step means for each shape, decided from the decoded rows where the shape's reach allows.

For every changed key the step's last change says what the row is now (or that it is gone), and
the old and new rows of all its changes say which reaches it was in (:func:`turns.sync.reach.row_reaches`),
so a row leaving a reach reaches the shapes it leaves. A shape with a reach and a predicate gets,
for those keys, the rows it should hold now: in its reach, matching its ``where``, with its columns.
A key whose row was out of the shape before the step (its first change's old row) and is out after
does not concern the shape at all.
The engine compares them with the rows the shape holds (:mod:`turns.sync.changes`), exactly as it
compares rows read again, so in → in is an update, out → in an insert, in → out a delete, and a
change already in the shape's snapshot is nothing. The other shapes are read as their users (the
keys, or every row when the step moved rows of other keys in or out of their reach).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from turns.sync.capture import Batch
from turns.sync.catalog import known, relation_name
from turns.sync.predicates import Undecidable
from turns.sync.reach import Managers, Route, Router, row_reaches
from turns.sync.shapes import MOVE_WITH_THEIR_TURN, ShapeDefinition

Rows = dict[str, dict[str, Any]]


@dataclass
class Plan:
    dropped: list[int] = field(default_factory=list)
    """Shapes of users whose role, company or activity changed."""
    read: dict[int, list[str] | None] = field(default_factory=dict)
    """Shapes read as their user: the keys (None: every row)."""
    decided: dict[int, tuple[list[str], Rows]] = field(default_factory=dict)
    """Shapes decided from the decoded rows: the keys, and the rows of them the shape holds now."""

    @property
    def empty(self) -> bool:
        return not self.read and not self.decided


@dataclass
class _Table:
    """A table's changes in a step: each key's row now (None: deleted) and every reach it was in."""

    rows: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    before: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    """Each key's row before the step (None: it did not exist), from its first change's old row."""
    reaches: dict[str, set[str]] = field(default_factory=dict)
    of_row: dict[int, set[str]] = field(default_factory=dict)
    """The reaches of each of those rows (by the row's ``id``: they live as long as the step)."""

    def note(self, pk: str, row: Mapping[str, Any], table: str, managers: Managers) -> None:
        found = self.of_row[id(row)] = row_reaches(table, row, managers)
        self.reaches.setdefault(pk, set()).update(found)

    def holds(self, found: Route, row: Mapping[str, Any] | None) -> bool:
        """Whether ``row`` (one of the step's) is in the shape of ``found``: in its reach, matching its ``where``."""
        assert found.predicate is not None
        return row is not None and found.reach in self.of_row[id(row)] and found.predicate(row)


def _tables(batch: Batch, managers: Managers) -> dict[str, _Table]:
    """The step's changes by table. ``managers`` first takes the step's changes of ``properties``, so
    a turn's managers are its property's after the step (whose managers changed in the step are read
    in full: see :func:`turns.sync.engine.needs_full_read`)."""
    for change in batch.decoded:
        if change.relation.name == "properties":
            managers.note(change.old, change.new)
    found: dict[str, _Table] = {}
    for change in batch.decoded:
        table = relation_name(change.relation.schema, change.relation.name)
        described = known(table)
        if described is None:
            continue  # (a generic table nobody asked for since the start)
        key = described.key
        changed = found.setdefault(table, _Table())
        old, new = change.old, change.new
        if old is not None:
            pk = str(old[key])
            changed.before.setdefault(pk, old)
            changed.note(pk, old, table, managers)
            if new is None or str(new[key]) != pk:
                changed.rows[pk] = None
        if new is not None:
            pk = str(new[key])
            changed.before.setdefault(pk, None)  # (an insert, or a row whose key became this one)
            changed.note(pk, new, table, managers)
            changed.rows[pk] = new
    return found


def plan(batch: Batch, router: Router, full_read: Callable[[ShapeDefinition, Batch], bool]) -> Plan:
    """Which shapes the step concerns and how: ``full_read`` says when a shape must be read in full
    because the step moved rows of other keys in or out of its user's reach (see
    :func:`turns.sync.engine.needs_full_read`)."""
    moved = batch.reassigned.get("users", set())
    result = Plan(dropped=router.of_users(moved) if moved else [])
    gone = set(result.dropped)
    unknown = batch.truncated | batch.opaque
    # (the tables a reassignment may open or close to users without a reach: see full_read)
    tables = (
        set(batch.ids) | unknown | (set(MOVE_WITH_THEIR_TURN) | {"turns", "properties"} if batch.reassigned else set())
    )
    for table in tables:
        # Every shape of the table when a reassignment may move rows of other keys into or out of a
        # reach; else only the shapes read as their users.
        for found in router.on_table(table) if table in unknown or batch.reassigned else router.undecided(table):
            if found.shape_id in gone:
                continue
            if table in batch.truncated or full_read(found.definition, batch):
                result.read[found.shape_id] = None
            elif batch.ids.get(table) and (table in unknown or not found.decided):
                result.read[found.shape_id] = sorted(batch.ids[table])
    if batch.ids.get("turns") and not router.managers.current_for(batch.end_lsn):
        for shape_id in router.of_managers("turns"):  # (the step may predate the managers loaded)
            result.read.setdefault(shape_id, sorted(batch.ids["turns"]))
    for table, changed in _tables(batch, router.managers).items():
        if table in batch.truncated or table in batch.opaque:
            continue
        keys: dict[int, set[str]] = {}
        for pk, reaches in changed.reaches.items():
            for shape_id in router.reached(table, reaches):
                keys.setdefault(shape_id, set()).add(pk)
        for shape_id, pks in keys.items():
            if shape_id in gone or shape_id in result.read:
                continue
            ids = [pk for pk in changed.rows if pk in pks]  # in the order the step changed them
            try:
                concerned, rows = _decided(router.routes[shape_id], ids, changed)
            except Undecidable:
                result.read[shape_id] = ids
                continue
            if concerned:
                result.decided[shape_id] = (concerned, rows)
    return result


def _decided(found: Route, ids: list[str], changed: _Table) -> tuple[list[str], Rows]:
    """The keys of ``ids`` the shape held before the step or holds after it, and the rows it holds
    after, with its columns. A key out of the shape before and after is left out: the step changes
    nothing of it there, and the engine does not look up what the shape holds of it (which, for a
    shape whose ``where`` few rows match, was most of a change's cost)."""
    columns = found.definition.columns
    concerned: list[str] = []
    rows: Rows = {}
    for pk in ids:
        row = changed.rows[pk]
        if changed.holds(found, row):
            assert row is not None
            rows[pk] = {c: row[c] for c in columns}
            concerned.append(pk)
        elif changed.holds(found, changed.before[pk]):
            concerned.append(pk)
    return concerned, rows
