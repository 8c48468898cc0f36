"""What a row must agree with in the database, per kind: the property a move-out names (as
the caller sees it), the open turns, the codes and names already taken, and repeats within
the file. Each rule adds its problems to the rows and returns the values to insert."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.db.tables import properties, turns, vendors
from turns.imports.rows import MoveOut, Row
from turns.unit_turns.service import first_stage

Rule = Callable[[AsyncConnection, list[Row]], Awaitable[list[dict[str, Any]]]]


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _repeats(rows: Iterable[Row], key: Callable[[Row], str | None], what: Callable[[Row], str]) -> None:
    """A problem on every row whose ``key`` an earlier row already had."""
    first: dict[str, int] = {}
    for row in rows:
        found = key(row)
        if found is None:
            continue
        if found in first:
            row.problems.append(f"{what(row)} is also on row {first[found]}")
        else:
            first[found] = row.number


async def move_outs(conn: AsyncConnection, rows: list[Row]) -> list[dict[str, Any]]:
    # The property is looked up from the row's cells, so a row with a bad date still learns
    # whether its property is known.
    codes = {_key(r.values["Property code"]) for r in rows if r.values.get("Property code")}
    addresses = {_key(r.values["Address"]) for r in rows if r.values.get("Address")}
    street = func.lower(func.regexp_replace(func.btrim(properties.c.street_address), r"\s+", " ", "g"))
    query = select(
        properties.c.id,
        properties.c.property_id,
        properties.c.name,
        properties.c.street_address,
        properties.c.is_active,
    ).where(func.lower(properties.c.property_id).in_(codes) | street.in_(addresses))
    found = (await conn.execute(query)).mappings().all()
    by_code = {_key(p["property_id"]): p for p in found}
    by_address: dict[str, list[Any]] = {}
    for p in found:
        by_address.setdefault(_key(p["street_address"]), []).append(p)

    records = {row.number: row.record for row in rows if isinstance(row.record, MoveOut)}
    matched: dict[int, Any] = {}
    for row in rows:
        record = records.get(row.number)
        if record is not None and record.ready_by_date is not None and record.ready_by_date < record.move_out_date:
            row.problems.append("Ready-by date is before the move-out date")
        home = _match(row, by_code, by_address)
        if home is not None:
            matched[row.number] = home
            row.refers_to = f"{home['property_id']} \u00b7 {home['street_address']}"
    _repeats(
        rows,
        lambda r: str(matched[r.number]["id"]) if r.number in matched else None,
        lambda r: f"Property {matched[r.number]['property_id']}",
    )

    homes = {m["id"] for m in matched.values()}
    open_turns = await conn.execute(
        select(turns.c.property_id, turns.c.turn_id).where(
            turns.c.property_id.in_(homes), turns.c.is_active, turns.c.turn_completion_date.is_(None)
        )
    )
    already = {property_id: turn_id for property_id, turn_id in open_turns}
    numbers = {n: _turn_number(records[n], matched[n]) for n in matched if n in records}
    taken: set[str] = set(
        (await conn.execute(select(turns.c.turn_id).where(turns.c.turn_id.in_(set(numbers.values()))))).scalars()
    )
    for row in rows:
        home = matched.get(row.number)
        if home is None:
            continue
        if home["id"] in already:
            row.problems.append(
                f"Property {home['property_id']} already has an open turn ({already[home['id']]}); "
                "finish or close it before starting another"
            )
        elif numbers.get(row.number) in taken:  # (the open turn usually holds it: one problem is enough)
            row.problems.append(f"Turn number {numbers[row.number]} is already used")
    _repeats(rows, lambda r: numbers.get(r.number), lambda r: f"Turn number {numbers[r.number]}")
    if any(row.problems for row in rows):
        return []
    stage = await first_stage(conn)
    return [
        {
            "turn_id": numbers[row.number],
            "property_id": matched[row.number]["id"],
            "stage_id": stage["id"],
            "move_out_date": records[row.number].move_out_date,
            "expected_completion_date": records[row.number].ready_by_date,
            "wo_number": records[row.number].wo_number,
        }
        for row in rows
    ]


def _match(row: Row, by_code: dict[str, Any], by_address: dict[str, list[Any]]) -> Any:
    """The property a move-out names (by code, else by address), or None with the row's problem added."""
    code, address = row.values.get("Property code"), row.values.get("Address")
    if code:
        home = by_code.get(_key(code))
        if home is None:
            row.problems.append(f"Unknown property \u201c{code}\u201d: no property you can see has this code")
    elif address:
        homes = by_address.get(_key(address), [])
        if len(homes) > 1:
            row.problems.append(f"{len(homes)} properties are at \u201c{address}\u201d; give the property code")
            return None
        home = homes[0] if homes else None
        if home is None:
            row.problems.append(f"Unknown property \u201c{address}\u201d: no property you can see is at this address")
    else:
        row.problems.append("Property code and address are both empty; give one of them")
        return None
    if home is not None and not home["is_active"]:
        row.problems.append(f"Property {home['property_id']} is inactive")
    return home


def _turn_number(record: MoveOut, home: Any) -> str:
    """The turn's number: the file's, else the property code and the move-out date."""
    return record.turn_number or f"{str(home['property_id'])[:42]}-{record.move_out_date:%y%m%d}"


def _new_records(label: str, column: Any) -> Rule:
    """The rule of records named by one column (a property's code, a vendor's company): a name
    the table already has, or an earlier row had, in any letter case, is a problem of the row."""

    async def rule(conn: AsyncConnection, rows: list[Row]) -> list[dict[str, Any]]:
        names = {_key(r.values[label]) for r in rows if r.values.get(label)}
        existing: list[str] = list((await conn.execute(select(column).where(func.lower(column).in_(names)))).scalars())
        taken = {_key(name) for name in existing}
        for row in rows:
            name = row.values.get(label)
            if name and _key(name) in taken:
                row.problems.append(f"{label} {name} already exists")
        _repeats(
            rows,
            lambda r: _key(r.values[label]) if r.values.get(label) else None,
            lambda r: f"{label} {r.values[label]}",
        )
        if any(row.problems for row in rows):
            return []
        return [row.record.model_dump(exclude_none=True) for row in rows if row.record is not None]

    return rule


RULES: dict[str, Rule] = {
    "move-outs": move_outs,
    "properties": _new_records("Property code", properties.c.property_id),
    "vendors": _new_records("Company", vendors.c.company_name),
}
