"""What a step changes in one shape: its log messages, and the rows the shape holds after it.

Turns does not evaluate a shape's filter on replicated rows as Electric does: the engine
re-reads the keys a step may concern as the shape's user (RLS, the user's columns) and
compares them with the rows the shape held for the same keys. That comparison is the whole
of what a client receives, so it is kept here, without I/O, and tested on its own:

- read and not held: an insert (a new row, or one that came into the user's reach);
- held and read differently: an update, of the changed columns (``replica=full``: the whole
  row, with the old values of the changed columns);
- held and not read: a delete (deleted, or out of the user's reach now);
- neither held nor read: nothing; the user never saw it.

A step is one commit LSN (:mod:`turns.sync.engine` decodes several transactions together and
reads them in one snapshot), so its messages share the step's ``lsn`` and ``txids``; inserts
and updates come in the order the rows were read, then the deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from turns.sync import protocol
from turns.sync.catalog import described


@dataclass(frozen=True)
class Changes:
    """What the engine writes for a step that changed the shape, all in one catalog transaction."""

    bodies: list[str]
    """The log messages, encoded, in the step's order."""
    held: list[tuple[str, str | None]]
    """(primary key, row as JSON) of every row the step changed: what the shape holds of them
    afterwards, None for the rows it no longer holds."""
    row_delta: int
    """How many rows the shape holds more (or fewer) than before."""


def diff(
    table: str,
    *,
    full: bool,
    held: Iterable[Mapping[str, Any]],
    rows: Mapping[str, dict[str, Any]],
    txids: list[int],
    lsn: int,
) -> Changes | None:
    """The changes of the step at ``lsn`` to a shape of ``table``; None when there are none.

    ``held`` are the rows the shape held of the keys that were read (all of them, after a full
    read), ``rows`` the rows read now by primary key, both with the shape's columns only;
    ``full`` is ``replica=full``."""
    key = described(table).key
    before_by_pk = {str(value[key]): value for value in held}
    messages: list[tuple[str, dict[str, Any]]] = []
    held_now: list[tuple[str, str | None]] = []
    for pk, row in rows.items():
        before = before_by_pk.get(pk)
        if before != row:
            held_now.append((pk, protocol.dumps(row)))
        if before is None:
            messages.append(("insert", {"key": protocol.row_key(table, pk), "value": row}))
        elif before != row:
            changed = {c: v for c, v in row.items() if before.get(c) != v}
            message: dict[str, Any] = {"key": protocol.row_key(table, pk)}
            if full:
                message["value"] = row
                message["old_value"] = {c: before.get(c) for c in changed}
            else:
                message["value"] = {key: pk, **changed}
            messages.append(("update", message))
    gone = [pk for pk in before_by_pk if pk not in rows]
    for pk in gone:
        value = before_by_pk[pk] if full else {key: pk}
        messages.append(("delete", {"key": protocol.row_key(table, pk), "value": value}))
    if not messages:
        return None
    bodies = [
        protocol.change(message, operation, table=table, txids=txids, lsn=lsn, index=i, last=i == len(messages) - 1)
        for i, (operation, message) in enumerate(messages)
    ]
    inserted = sum(1 for pk in rows if pk not in before_by_pk)
    return Changes(
        bodies=bodies,
        held=[*held_now, *((pk, None) for pk in gone)],
        row_delta=inserted - len(gone),
    )
