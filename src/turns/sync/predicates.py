"""A shape's ``where`` clause as a Python test of decoded rows, so the engine decides membership
from the replicated change instead of reading the row again.

The clause is the one the shape stores (:mod:`turns.sync.where` wrote it, values bound as
``:w1`` ...), parsed again by the same grammar with a builder that evaluates. Values are
PostgreSQL's text output, as decoded from the slot (:mod:`turns.sync.pgoutput`) with the
session formats of the shapes, and are typed by the column they come from, so a comparison
means what it means in PostgreSQL, with SQL's three-valued logic (``None`` is unknown).

Only what has the same meaning in Python is compiled: equality of text, enums, uuids and
booleans; comparisons and ``+ - *`` of numbers; ``IN``, ``LIKE``, ``BETWEEN`` of numbers,
``IS [NOT] NULL/TRUE/FALSE/DISTINCT FROM``, ``= ANY`` of an array value, ``coalesce``,
``length``, and ``lower``/``upper``/``ILIKE`` of ASCII text. Anything else (casts, dates, text
ordering, which follows the database's collation, other functions) raises :class:`Unsupported`
while compiling, and a text that is not ASCII where case matters raises :class:`Undecidable`
while evaluating: the engine then reads that shape's rows as its user, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Enum, Float, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from turns.db import tables
from turns.sync.catalog import described
from turns.sync.shapes import table_columns
from turns.sync.where import WhereError, parse_clause

Row = Mapping[str, Any]
"""A decoded row: column → PostgreSQL's text output, or None for NULL."""
Predicate = Callable[[Row], bool]


class Unsupported(Exception):
    """The clause uses something whose meaning in Python could differ from PostgreSQL's."""


class Undecidable(Exception):
    """This row's values cannot be judged in Python (e.g. case of non-ASCII text)."""


@dataclass(frozen=True)
class _Expr:
    kind: str
    """text, uuid, int, numeric, bool, null, or unknown (a quoted value, typed by where it stands)."""
    eval: Callable[[Row], Any]
    literal: str | None = None


_NUMBERS = frozenset({"int", "numeric"})
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})
_BIND = re.compile(r":w(\d+)")


def _constant(kind: str, value: Any) -> _Expr:
    return _Expr(kind, lambda row: value)


def _convert(kind: str, text: str) -> Any:
    """``text`` as a value of ``kind`` (PostgreSQL's input rules, where they are this simple)."""
    try:
        if kind == "text":
            return text
        if kind == "uuid":
            return str(UUID(text.strip()))
        if kind == "int":
            return int(text.strip())
        if kind == "numeric":
            return Decimal(text.strip())
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in _TRUE or lowered in _FALSE:
                return lowered in _TRUE
    except (ValueError, InvalidOperation):
        pass
    raise Unsupported(f"{text!r} as {kind}")


def _as(expr: _Expr, kind: str) -> _Expr:
    """``expr`` as a value of ``kind``: a quoted value is converted once, here."""
    if expr.kind == kind or (expr.kind in _NUMBERS and kind in _NUMBERS) or expr.kind == "null":
        return expr
    if expr.kind == "unknown" and expr.literal is not None:
        return _constant(kind, _convert(kind, expr.literal))
    raise Unsupported(f"{expr.kind} as {kind}")


def _unify(*exprs: _Expr) -> tuple[str, list[_Expr]]:
    """The common kind of ``exprs`` (as PostgreSQL resolves an operator's operands) and each as it."""
    kinds = {e.kind for e in exprs} - {"unknown", "null"}
    if not kinds:
        kind = "text"
    elif kinds <= _NUMBERS:
        kind = "numeric" if "numeric" in kinds else "int"
    elif len(kinds) == 1:
        kind = next(iter(kinds))
    else:
        raise Unsupported(f"operands of kinds {sorted(kinds)}")
    return kind, [_as(e, kind) for e in exprs]


def _ascii(value: str) -> str:
    if not value.isascii():
        raise Undecidable("case of non-ASCII text")
    return value


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "||": lambda x, y: x + y,
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "<>": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(op: str, kind: str) -> Callable[[Any, Any], bool | None]:
    if op not in ("=", "<>") and kind not in (*_NUMBERS, "bool"):
        raise Unsupported(f"{op} of {kind}, which follows the collation")
    test = _ORDER[op]
    return lambda a, b: None if a is None or b is None else test(a, b)


def _any(values: list[bool | None]) -> bool | None:
    """SQL's OR of ``values``."""
    if True in values:
        return True
    return None if None in values else False


def _like_pattern(pattern: str, fold: bool) -> re.Pattern[str]:
    """A LIKE pattern (``%``, ``_``, ``\\`` escapes) as a regular expression."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        raise Unsupported("LIKE pattern ends with an escape")
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if fold else 0))


def _array(text: str, kind: str) -> list[Any]:
    """A one-dimensional array literal (``{a,"b c",NULL}``) as values of ``kind``."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise Unsupported("not an array literal")
    inner, items, at = text[1:-1], [], 0
    if not inner.strip():
        return []
    while at <= len(inner):
        while at < len(inner) and inner[at] == " ":
            at += 1
        if at < len(inner) and inner[at] == '"':
            value, at = [], at + 1
            while at < len(inner) and inner[at] != '"':
                if inner[at] == "\\":
                    at += 1
                value.append(inner[at])
                at += 1
            items.append(_convert(kind, "".join(value)))
            at += 1
            while at < len(inner) and inner[at] == " ":
                at += 1
        else:
            end = inner.find(",", at)
            end = len(inner) if end < 0 else end
            raw = inner[at:end].strip()
            if any(c in raw for c in '{}"\\'):
                raise Unsupported("nested or escaped array")
            items.append(None if raw.upper() == "NULL" else _convert(kind, raw))
            at = end
        if at < len(inner) and inner[at] != ",":
            raise Unsupported("malformed array")
        at += 1
    return items


@dataclass(frozen=True)
class _Evaluate:
    """The :class:`turns.sync.where.Builder` that makes evaluations of decoded rows."""

    kinds: Mapping[str, str]
    """Column → kind; a column of another type (dates, JSON, arrays ...) is unsupported."""

    def value(self, text: str) -> _Expr:
        return _Expr("unknown", lambda row: text, literal=text)

    def number(self, text: str) -> _Expr:
        if re.fullmatch(r"\d+", text):
            return _constant("int", int(text))
        return _constant("numeric", Decimal(text))

    def constant(self, word: str) -> _Expr:
        return _constant("null", None) if word == "NULL" else _constant("bool", word == "TRUE")

    def column(self, name: str) -> _Expr:
        kind = self.kinds.get(name)
        if kind is None:
            raise Unsupported(f"column {name} of an unsupported type")
        if kind == "bool":
            return _Expr(kind, lambda row: None if row[name] is None else row[name] == "t")
        if kind == "int":
            return _Expr(kind, lambda row: None if row[name] is None else int(row[name]))
        if kind == "numeric":
            return _Expr(kind, lambda row: None if row[name] is None else Decimal(row[name]))
        return _Expr(kind, lambda row: row[name])

    def function(self, name: str, args: list[_Expr]) -> _Expr:
        if name in ("lower", "upper") and len(args) == 1:
            (text,) = (_as(a, "text") for a in args)
            case = str.lower if name == "lower" else str.upper
            return _Expr("text", lambda row: None if (v := text.eval(row)) is None else case(_ascii(v)))
        if name == "length" and len(args) == 1:
            (text,) = (_as(a, "text") for a in args)
            return _Expr("int", lambda row: None if (v := text.eval(row)) is None else len(v))
        if name == "coalesce":
            kind, typed = _unify(*args)
            return _Expr(kind, lambda row: next((v for a in typed if (v := a.eval(row)) is not None), None))
        raise Unsupported(f"function {name}")

    def cast(self, operand: _Expr, type_name: str) -> _Expr:
        raise Unsupported("casts")

    def negative(self, operand: _Expr) -> _Expr:
        if operand.kind not in _NUMBERS:
            raise Unsupported("minus of a non-number")
        return _Expr(operand.kind, lambda row: None if (v := operand.eval(row)) is None else -v)

    def arithmetic(self, left: _Expr, op: str, right: _Expr) -> _Expr:
        kind, (a, b) = _unify(left, right)
        if not ((op == "||" and kind == "text") or (op in ("+", "-", "*") and kind in _NUMBERS)):
            raise Unsupported(f"{op} of {kind}")
        join = _ARITHMETIC[op]
        return _Expr(kind, lambda row: None if (x := a.eval(row)) is None or (y := b.eval(row)) is None else join(x, y))

    def compare(self, left: _Expr, op: str, right: _Expr) -> _Expr:
        kind, (a, b) = _unify(left, right)
        test = _compare(op, kind)
        return _Expr("bool", lambda row: test(a.eval(row), b.eval(row)))

    def compare_any(self, left: _Expr, op: str, array: _Expr) -> _Expr:
        if array.literal is None or left.kind in ("unknown", "null"):
            raise Unsupported("ANY of other than a quoted array")
        values = _array(array.literal, left.kind)
        test = _compare(op, left.kind)
        return _Expr("bool", lambda row: _any([test(v, item) for v in [left.eval(row)] for item in values]))

    def is_(self, operand: _Expr, what: str, negated: bool) -> _Expr:
        if what == "NULL":
            return _Expr("bool", lambda row: (operand.eval(row) is None) != negated)
        expected = what == "TRUE"
        typed = _as(operand, "bool")
        return _Expr("bool", lambda row: (typed.eval(row) is expected) != negated)

    def distinct(self, left: _Expr, right: _Expr, negated: bool) -> _Expr:
        _, (a, b) = _unify(left, right)
        return _Expr("bool", lambda row: (a.eval(row) != b.eval(row)) != negated)

    def in_(self, left: _Expr, items: list[_Expr], negated: bool) -> _Expr:
        kind, (a, *typed) = _unify(left, *items)
        test = _compare("=", kind)
        found = _Expr("bool", lambda row: _any([test(v, i.eval(row)) for v in [a.eval(row)] for i in typed]))
        return self.not_(found) if negated else found

    def like(self, left: _Expr, op: str, pattern: _Expr, negated: bool) -> _Expr:
        _, (text, typed) = _unify(left, pattern)
        fold = op == "ILIKE"
        compiled = cache(lambda p: _like_pattern(p, fold))

        def match(row: Row) -> bool | None:
            value, like = text.eval(row), typed.eval(row)
            if value is None or like is None:
                return None
            if fold:
                _ascii(value), _ascii(like)
            return (compiled(like).fullmatch(value) is not None) != negated

        if text.kind != "text":
            raise Unsupported(f"{op} of {text.kind}")
        return _Expr("bool", match)

    def between(self, operand: _Expr, low: _Expr, high: _Expr, negated: bool) -> _Expr:
        kind, (value, a, b) = _unify(operand, low, high)
        above, below = _compare(">=", kind), _compare("<=", kind)
        both = self.junction(
            "AND",
            [
                _Expr("bool", lambda row: above(value.eval(row), a.eval(row))),
                _Expr("bool", lambda row: below(value.eval(row), b.eval(row))),
            ],
        )
        return self.not_(both) if negated else both

    def not_(self, operand: _Expr) -> _Expr:
        typed = _as(operand, "bool")
        return _Expr("bool", lambda row: None if (v := typed.eval(row)) is None else not v)

    def junction(self, op: str, parts: list[_Expr]) -> _Expr:
        typed = [_as(p, "bool") for p in parts]
        if op == "OR":
            return _Expr("bool", lambda row: _any([p.eval(row) for p in typed]))
        return self.not_(_Expr("bool", lambda row: _any([_negate(p.eval(row)) for p in typed])))


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def column_kinds(table: str) -> Mapping[str, str]:
    """The kind of each column of ``table`` the evaluator understands."""
    generic = described(table)
    return generic.kinds if generic.generic else _described_kinds(table)


@cache
def _described_kinds(table: str) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for column in tables.metadata.tables[table].columns:
        kind = column.type
        if isinstance(kind, Boolean):
            found[column.name] = "bool"
        elif isinstance(kind, Integer):
            found[column.name] = "int"
        elif isinstance(kind, Numeric) and not isinstance(kind, Float):
            found[column.name] = "numeric"
        elif isinstance(kind, PgUUID):
            found[column.name] = "uuid"
        elif isinstance(kind, (String, Text, Enum)):
            found[column.name] = "text"
    return found


def compile_predicate(table: str, where_sql: str | None, where_values: tuple[tuple[str, str], ...]) -> Predicate:
    """The test of a shape's stored clause on a decoded row (True when there is no clause);
    :class:`Unsupported` when it cannot be decided in Python."""
    if where_sql is None:
        return lambda row: True
    source = _BIND.sub(lambda m: f"${m.group(1)}", where_sql)
    if "CAST(" in source:
        raise Unsupported("casts")
    params = {int(name[1:]): value for name, value in where_values}
    try:
        parsed = parse_clause(source, columns=table_columns(table), params=params, build=_Evaluate(column_kinds(table)))
    except WhereError as exc:  # (a clause stored by an older version of the grammar)
        raise Unsupported(str(exc)) from exc
    expr = _as(parsed, "bool")
    return lambda row: expr.eval(row) is True
