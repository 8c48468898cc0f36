"""A sheet's rows checked on their own (no database): the header matched to a kind's columns,
every cell converted and validated by the same models the API's create endpoints use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from turns.imports.columns import Column, Kind, spelling
from turns.imports.reading import Sheet
from turns.properties.schemas import PropertyCreate
from turns.vendors.schemas import VendorCreate

Progress = Callable[[int], None]
"""Told how many more rows have been checked (the command line's progress bar)."""


class MoveOut(BaseModel):
    """One move-out: a turn to start on a property."""

    model_config = ConfigDict(extra="forbid")

    property_code: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=255)
    move_out_date: date
    ready_by_date: date | None = None
    turn_number: str | None = Field(default=None, max_length=50)
    wo_number: str | None = Field(default=None, max_length=50)


MODELS: dict[str, type[BaseModel]] = {"move-outs": MoveOut, "properties": PropertyCreate, "vendors": VendorCreate}


@dataclass
class Header:
    """Where each of the kind's columns is in the file."""

    positions: dict[str, int]
    ignored: list[str]
    problems: list[str]
    width: int


@dataclass
class Row:
    number: int
    values: dict[str, str]
    record: BaseModel | None
    problems: list[str] = field(default_factory=list)
    refers_to: str | None = None


def match_header(kind: Kind, header: list[str]) -> Header:
    known = kind.by_spelling()
    positions: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    ignored = []
    for index, name in enumerate(header):
        column = known.get(spelling(name))
        if column is None:
            if name:
                ignored.append(name)
            continue
        found.setdefault(column.field, []).append(name)
        positions.setdefault(column.field, index)
    problems = [
        f"{kind.label(name)} is given by more than one column ({', '.join(names)}); keep one"
        for name, names in found.items()
        if len(names) > 1
    ]
    for group in kind.required:
        if not any(name in positions for name in group):
            wanted = " or ".join(f"\u201c{kind.label(name)}\u201d" for name in group)
            problems.append(f"the file has no {wanted} column")
    return Header(positions, ignored, problems, len(header))


def check_rows(kind: Kind, sheet: Sheet, header: Header, progress: Progress | None = None) -> list[Row]:
    """Every row converted and validated; a row with problems has no record."""
    columns = [c for c in kind.columns if c.field in header.positions]
    checked = []
    for number, cells in sheet.rows:
        checked.append(_check_row(kind, columns, header, number, cells))
        if progress is not None:
            progress(1)
    return checked


def _check_row(kind: Kind, columns: list[Column], header: Header, number: int, cells: list[str]) -> Row:
    values: dict[str, str] = {}
    fields: dict[str, Any] = {}
    problems = []
    unreadable = set()
    for column in columns:
        position = header.positions[column.field]
        text = cells[position].strip() if position < len(cells) else ""
        values[column.label] = text
        if not text:
            continue
        try:
            fields[column.field] = column.convert(text)
        except ValueError as exc:
            problems.append(f"{column.label}: {exc}")
            unreadable.add(column.field)
    if any(cell.strip() for cell in cells[header.width :]):
        problems.append("the row has more values than the header has columns")
    if kind.name == "properties" and "name" not in fields and "street_address" in fields:
        fields["name"] = fields["street_address"]  # a list without names: the address names the home
    record: BaseModel | None = None
    try:
        record = MODELS[kind.name].model_validate(fields)
    except ValidationError as exc:
        # A field already reported as unreadable, or without a column (a property's name, which
        # defaults to its address), is not reported again.
        shown = {c.field for c in columns} - unreadable
        problems += [_plain(kind, e) for e in exc.errors() if not e["loc"] or e["loc"][0] in shown]
    return Row(number, values, None if problems else record, problems)


def _plain(kind: Kind, error: Any) -> str:
    """A validation error in the words of the file: the column's name, what is wrong."""
    name = error["loc"][0] if error["loc"] else None
    label = kind.label(name) if isinstance(name, str) and name in {c.field for c in kind.columns} else "The row"
    if error["type"] == "missing":
        return f"{label} is empty"
    message = str(error["msg"])
    return f"{label}: {message[:1].lower()}{message[1:]}"
