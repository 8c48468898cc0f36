"""Export cells as SQL text, so that PostgreSQL's ``COPY ... (FORMAT csv)`` writes the CSV.

Each cell is an expression that turns one column (or, in the readable form, a name read
through a join) into the text the file shows, with the SQL functions of migration
``0025_export_text``: ``export_text`` neutralises formulas and makes an empty text no
value (COPY quotes ``""`` but writes nothing for NULL), ``export_json`` writes JSON as
:func:`json.dumps` (``sort_keys``) writes what the application reads of it.

Raw cells: ``true``/``false``, ISO dates, times in UTC as :meth:`datetime.isoformat`
writes them, numbers as they are, JSON for arrays and JSON. Readable cells follow
:class:`turns.exports.readable.Readable` (labels, yes/no, the chosen date format, times
to the minute, money with two decimals). The labels and headers come from
:mod:`turns.exports.fields`, written into the query as ``CASE`` expressions.

The audit log's copies of audited rows pass the same gate as
:func:`turns.access.visible`: cut, per row, to the columns the reader's role reads of the
audited table (``export_pick``), and ``changed_fields`` to those and the secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    Text,
    any_,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import INET, JSONB, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from turns.access.columns import AUDITED_VALUES, readable_columns
from turns.db import tables
from turns.exports.fields import ACRONYMS, HEADERS, Field
from turns.exports.options import DATE_FORMATS, DateFormat

Cell = ColumnElement[Any]

_TO_CHAR = {"%Y": "YYYY", "%m": "MM", "%d": "DD"}


def _to_char(pattern: str) -> str:
    """A Python date pattern (of :data:`DATE_FORMATS`) as a ``to_char`` pattern."""
    for python, sql in _TO_CHAR.items():
        pattern = pattern.replace(python, sql)
    return pattern


def _text(value: Cell) -> Cell:
    return func.export_text(value, type_=Text)


_UNSAFE = re.compile(r"[-=+@\t\r]")
"""What ``export_text`` guards against at the start of a text (besides an empty one)."""


def _enum_text(value: Cell, labels: Mapping[str, str]) -> Cell:
    """A text column's cell, or an enum's (its label or its code): an enum whose every code and
    label is a text ``export_text`` leaves as it is skips that call, once per row."""
    kind = value.type
    words = _labelled(value, labels)
    if isinstance(kind, Enum) and all(w and not _UNSAFE.match(w) for w in (*kind.enums, *labels.values())):
        return words
    return _text(words)


def _labelled(value: Cell, labels: Mapping[str, str]) -> Cell:
    """A code in words, or the code itself where it has none (a simple ``CASE``: the code is
    made text once, not once for each label)."""
    words = cast(value, Text)
    if not labels:
        return words
    return case({code: literal(label, Text) for code, label in labels.items()}, value=words, else_=words)


def _items(value: Cell) -> Any:
    """An array's items (``item``) with their places (``n``), to select from."""
    return func.unnest(value).table_valued("item", with_ordinality="n").render_derived()


def _each(value: Cell, word: Callable[[Cell], Cell]) -> Cell:
    """An array's items, each as ``word`` makes it, joined by ", " in their order."""
    items = _items(value)
    joined = func.string_agg(word(items.c.item), aggregate_order_by(literal(", ", Text), items.c.n), type_=Text)
    return select(joined).select_from(items).scalar_subquery()


def _header(name: Cell) -> Cell:
    """A column name in words, as :func:`header_of` writes it: the listed headers, else
    ``_id`` dropped, the first letter capitalised, the acronyms in capitals."""
    words = func.replace(func.regexp_replace(name, "_id$", ""), "_", " ")
    capitalised = func.upper(func.left(words, 1)).concat(func.lower(func.substr(words, 2)))
    split = (
        func.unnest(func.string_to_array(capitalised, " ")).table_valued("word", with_ordinality="n").render_derived()
    )
    word = split.c.word
    shown = case((func.lower(word) == any_(literal(list(ACRONYMS), ARRAY(Text))), func.upper(word)), else_=word)
    spoken = select(func.string_agg(shown, aggregate_order_by(literal(" ", Text), split.c.n), type_=Text))
    return case(
        *((name == column, literal(header, Text)) for column, header in HEADERS.items()),
        else_=spoken.select_from(split).scalar_subquery(),
    )


def _json(value: Cell, readable: bool) -> Cell:
    """A JSON value or an array, as the application writes what it reads of it
    (``export_json_cell``)."""
    as_json = value if isinstance(value.type, JSONB) else func.to_jsonb(value, type_=JSONB)
    return func.export_json_cell(as_json, readable, type_=Text)


def _iso_time(value: Cell) -> Cell:
    """As :meth:`datetime.isoformat` writes a time in UTC: microseconds only when not zero."""
    utc = func.timezone("UTC", value)
    micro = case((func.date_trunc("second", utc) == utc, literal("", Text)), else_=func.to_char(utc, ".US"))
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS').concat(micro).concat(literal("+00:00", Text))


def raw_cell(value: Cell) -> Cell:
    """A column as the raw form writes it."""
    kind = value.type
    if isinstance(kind, JSONB | ARRAY):
        return _json(value, readable=False)
    if isinstance(kind, DateTime):
        return _iso_time(value)
    if isinstance(kind, Date):
        return func.to_char(value, "YYYY-MM-DD")
    if isinstance(kind, Boolean | Numeric | Integer):
        return cast(value, Text)
    if isinstance(kind, INET):  # the address as PostgreSQL shows it (no /32), as the driver reads it
        return _text(func.format("%s", value))
    if isinstance(kind, String):  # text, enums: what a spreadsheet could take for a formula
        return _enum_text(value, {})
    return cast(value, Text)  # ids


def readable_cell(f: Field, value: Cell, date_format: DateFormat) -> Cell:
    """The field ``f`` of the readable form, ``value`` being its column or, for an id, the
    name it stands for."""
    pattern = _to_char(DATE_FORMATS[date_format][0])
    kind = value.type
    if f.names is not None:
        return _text(_labelled(value, f.labels))
    if f.kind == "money" and isinstance(kind, Numeric):
        return cast(func.round(value, 2), Text)
    if isinstance(kind, Boolean):
        return case((value == true(), literal("Yes", Text)), (value == literal(False), literal("No", Text)))
    if isinstance(kind, DateTime):
        return func.to_char(func.timezone("UTC", value), f"{pattern} HH24:MI").concat(literal(" UTC", Text))
    if isinstance(kind, Date):
        return func.to_char(value, pattern)
    if isinstance(kind, JSONB):
        return _json(value, readable=True)
    if isinstance(kind, ARRAY):
        words = _header if f.kind == "column_names" else (lambda item: _labelled(item, f.labels))
        return func.nullif(_each(value, words), literal("", Text))
    if isinstance(kind, INET):
        return _text(func.format("%s", value))
    if isinstance(kind, String):
        return _enum_text(value, f.labels)
    return cast(value, Text)  # ids, numbers


def gated(table: str, role: str, column: str) -> Cell:
    """``table``'s ``column`` as ``role`` reads it: in the audit log, the copies of the
    audited row and its changed fields cut to what ``role`` reads of the audited table."""
    value: Cell = tables.metadata.tables[table].c[column]
    if table != "audit_logs" or column not in (*AUDITED_VALUES, "changed_fields"):
        return value
    audited = tables.metadata.tables["audit_logs"].c.table_name
    whens = []
    for name in tables.metadata.tables:
        kept = readable_columns(name, role)
        if column == "changed_fields":
            named = sorted(kept | tables.UNREADABLE.get(name, set()))
            items = _items(value)
            shown = select(items.c.item).where(items.c.item == any_(literal(named, ARRAY(Text)))).order_by(items.c.n)
            cut: Cell = func.array(shown.scalar_subquery(), type_=ARRAY(Text))
        else:
            cut = func.export_pick(value, literal(sorted(kept), ARRAY(Text)), type_=JSONB)
        whens.append((audited == name, cut))
    return case(*whens, else_=value)
