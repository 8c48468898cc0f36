"""A shape's where clause evaluated on decoded rows means what it means in PostgreSQL, and what
could mean something else is not compiled (those shapes are read as their user)."""

from __future__ import annotations

from typing import Any

import pytest

from turns.sync.predicates import Undecidable, Unsupported, compile_predicate
from turns.sync.where import compile_where

ID = "5a1e0c9e-4b4b-4c43-9b7e-0d6f5b8e2a11"
ROW: dict[str, Any] = {
    "id": ID,
    "wo_number": "WO-7",
    "status": "OPEN",
    "is_active": "t",
    "trash_out_needed": "f",
    "turn_amount": "1250.50",
    "version": "3",
    "reject_reason": None,
    "vendor_id": None,
    "lock_box_location": "Back door",
}
COLUMNS = frozenset(ROW) | {"move_out_date"}


def _test(source: str, params: dict[int, str] | None = None) -> Any:
    compiled = compile_where(source, columns=COLUMNS, readable=COLUMNS, params=params or {})
    return compile_predicate("turns", compiled.sql, tuple(sorted(compiled.values.items())))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("status = 'OPEN'", True),
        ("status <> 'OPEN'", False),
        ("is_active", True),
        ("is_active AND NOT trash_out_needed", True),
        ("is_active = 'yes'", True),
        ("turn_amount > 1000", True),
        ("turn_amount = 1250.5", True),
        ("turn_amount BETWEEN 1 AND 1250", False),
        ("turn_amount NOT BETWEEN 1 AND 1250", True),
        ("version + 1 = 4", True),
        ("version * 2 >= '6'", True),
        (f"id = '{ID.upper()}'", True),  # uuid input ignores case, as PostgreSQL's
        ("id = ANY($1)", True),
        ("id IN ('00000000-0000-0000-0000-000000000000')", False),
        ("wo_number LIKE 'WO-_'", True),
        ("wo_number LIKE 'wo%'", False),
        ("wo_number ILIKE 'wo%'", True),
        ("lower(lock_box_location) = 'back door'", True),
        ("length(wo_number) = 4", True),
        ("coalesce(reject_reason, 'none') = 'none'", True),
        ("wo_number || '!' = 'WO-7!'", True),
        # three-valued logic: unknown is not true, and NOT unknown is unknown
        ("reject_reason = 'x'", False),
        ("NOT (reject_reason = 'x')", False),
        ("reject_reason = 'x' OR is_active", True),
        ("reject_reason IS NULL", True),
        ("vendor_id IS DISTINCT FROM NULL", False),
        ("status NOT IN ('DONE', NULL)", False),
        ("status IN ('OPEN', NULL)", True),
        ("is_active IS NOT FALSE", True),
    ],
)
def test_clauses_mean_what_postgresql_means(source: str, expected: bool) -> None:
    assert _test(source, {1: "{00000000-0000-0000-0000-000000000000," + ID + "}"})(ROW) is expected


@pytest.mark.parametrize(
    "source",
    [
        "wo_number < 'X'",  # text order follows the database's collation
        "move_out_date > '2024-01-01'",  # dates: formats and styles
        "version::text = '3'",
        "version / 2 = 1",
        "greatest(version, 2) = 3",
    ],
)
def test_what_could_differ_is_not_compiled(source: str) -> None:
    with pytest.raises(Unsupported):
        _test(source)


def test_case_of_non_ascii_text_is_left_to_postgresql() -> None:
    test = _test("lower(lock_box_location) = 'x'")
    with pytest.raises(Undecidable):
        test({**ROW, "lock_box_location": "Straße"})


def test_no_clause_takes_every_row() -> None:
    assert compile_predicate("turns", None, ())(ROW) is True
