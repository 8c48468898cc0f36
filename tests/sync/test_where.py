"""The where-clause subset: what parses, what it becomes, and what is refused."""

from __future__ import annotations

import pytest

from turns.sync.where import ColumnRefused, WhereError, compile_order_by, compile_where

COLUMNS = frozenset({"id", "name", "market", "bedrooms", "is_active", "secret"})
READABLE = COLUMNS - {"secret"}


def _compile(source: str, params: dict[int, str] | None = None) -> tuple[str, dict[str, str]]:
    compiled = compile_where(source, columns=COLUMNS, readable=READABLE, params=params or {})
    return compiled.sql, compiled.values


def test_values_are_bound_never_inlined() -> None:
    sql, values = _compile("market = 'O''Hare' AND name ILIKE $1", {1: "%x%"})
    assert sql == '(("market" = :w1) AND ("name" ILIKE :w2))'
    assert values == {"w1": "O'Hare", "w2": "%x%"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("bedrooms >= 2 and not is_active", '(("bedrooms" >= 2) AND (NOT "is_active"))'),
        ("market in ('A', 'B')", '("market" IN (:w1, :w2))'),
        ("market not in ('A')", '("market" NOT IN (:w1))'),
        ("name is not null or bedrooms between 1 and 3", '(("name" IS NOT NULL) OR ("bedrooms" BETWEEN 1 AND 3))'),
        ("lower(\"name\") like 'a%'", '(lower("name") LIKE :w1)'),
        ("bedrooms::text = '2'", '(CAST("bedrooms" AS text) = :w1)'),
        ("coalesce(market, 'x') <> 'y'", '(coalesce("market", :w1) <> :w2)'),
        ("is_active is true", '("is_active" IS TRUE)'),
        ("market is distinct from 'x'", '("market" IS DISTINCT FROM :w1)'),
        ("bedrooms + 1 > 2 * 2", '(("bedrooms" + 1) > (2 * 2))'),
        # what Electric's client compiles from a structured subset (whereExpr)
        ('"id" = ANY($1)', '("id" = ANY (:w1))'),
        (
            '(CONCAT("name", $1) LIKE $1) AND (NOT ("market" IS NULL))',
            '((concat("name", :w1) LIKE :w2) AND (NOT ("market" IS NULL)))',
        ),
    ],
)
def test_the_subset(source: str, expected: str) -> None:
    assert _compile(source, {1: "x"})[0] == expected


@pytest.mark.parametrize(
    "source",
    [
        "id IN (SELECT id FROM users)",
        "name = 'x'; DROP TABLE turns",
        "name = 'x' -- comment",
        "name = 'x' /* c */",
        "pg_sleep(10) IS NULL",
        "now() > '2020-01-01'",
        "users.id = id",
        "name = E'\\x27'",
        "name = $2",
        "",
        "name = ",
        "(name = 'x'",
        "name::regclass = 'x'",
        "exists (select 1)",
        "unknown_column = 1",
        "name = 'x' or",
        "current_setting('app.current_user_id') = 'x'",
        "id = ANY(SELECT id FROM users)",
        "id = any",
        "any(name) = 'x'",
    ],
)
def test_refused(source: str) -> None:
    with pytest.raises(WhereError):
        _compile(source, {1: "x"})


def test_a_column_the_role_cannot_read_is_refused_as_such() -> None:
    with pytest.raises(ColumnRefused):
        _compile("secret = 'x'")


def test_errors_name_the_position() -> None:
    with pytest.raises(WhereError, match="at position 8"):
        _compile("name = ;")


def test_order_by() -> None:
    assert compile_order_by("name desc nulls last, id", columns=COLUMNS, readable=READABLE) == (
        '"name" DESC NULLS LAST, "id"'
    )
    with pytest.raises(WhereError):
        compile_order_by("name; drop", columns=COLUMNS, readable=READABLE)
