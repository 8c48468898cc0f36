"""Hypothesis strategies for hostile input: what a signed-in user may send to break a parser
(deep nesting, long runs, huge numbers, Unicode digits, stray punctuation), mixed with
fragments of the valid syntax so the parsers get past their first token."""

from __future__ import annotations

import json

from hypothesis import strategies as st

HUGE_DIGITS = st.integers(min_value=19, max_value=6000).map(lambda n: "9" * n)
# Digits str.isdigit() or a regex's \d accepts and int() refuses (or reads), and near misses.
ODD_DIGITS = st.sampled_from(
    ["\u00b2", "\u0661", "\u0663\u0664", "\U0001d7d7", "\u216b", "0x1f", "-1", "1e9", " 1", ""]
)

_WHERE_WORDS = """id name status market ( ) NOT not - + * / % || :: text int = <> != < >= AND OR IN LIKE ILIKE
BETWEEN IS NULL TRUE DISTINCT FROM ANY lower coalesce concat , 1 1.5e3 $1 $0 $2 ; # -- /* .. [ ] { } \\"""
_QUOTES = ['"id"', "'a'", "''''", "'", '"']
_WHERE_PIECES = st.sampled_from([*_WHERE_WORDS.split(), *_QUOTES, "\u00e9", "\x00", "\u2028"])


@st.composite
def deep_where(draw: st.DrawFn, max_depth: int) -> str:
    """A valid clause inside up to ``max_depth`` levels of one nesting construct."""
    depth = draw(st.integers(min_value=1, max_value=max_depth))
    kind = draw(st.sampled_from(["(", "NOT", "-", "lower"]))
    if kind == "(":
        return "(" * depth + "id = 1" + ")" * depth
    if kind == "NOT":
        return "NOT " * depth + "id = 1"
    if kind == "-":
        return "id = " + "- " * depth + "1"
    return "lower(" * depth + "name" + ")" * depth + " = 'a'"


def where(max_depth: int = 3000) -> st.SearchStrategy[str]:
    """Clauses for ``where`` (in a query string, keep ``max_depth`` to 600: a request head is at most 16 KiB)."""
    return st.one_of(
        deep_where(max_depth),
        st.lists(_WHERE_PIECES, max_size=40).map(" ".join),
        HUGE_DIGITS.map(lambda n: f"id = ${n}"),
        HUGE_DIGITS.map(lambda n: f"id = {n}"),
        ODD_DIGITS.map(lambda n: f"id = ${n}"),
        st.text(max_size=60),
    )


_COLUMN_PIECES = ["id", '"id"', "name", "#", ";", "\u00e9", "(", "'x'", "$1", '"', "\x00", "*"]
COLUMNS = st.one_of(st.lists(st.sampled_from(_COLUMN_PIECES), max_size=8).map(",".join), st.text(max_size=40))
PARAM_KEYS = st.one_of(HUGE_DIGITS, ODD_DIGITS, st.text(max_size=8)).map(lambda n: f"params[{n}]")


def deep_json(depth: int, opening: str) -> str:
    """Arrays in arrays, or objects in objects, ``depth`` levels deep."""
    return "[" * depth + "]" * depth if opening == "[" else '{"a":' * depth + "1" + "}" * depth


def json_text(max_depth: int = 3000) -> st.SearchStrategy[str]:
    """JSON documents, deep ones, ones with huge or odd numbers, and text that is not JSON."""
    return st.one_of(
        st.builds(deep_json, st.integers(min_value=1, max_value=max_depth), st.sampled_from(["[", "{"])),
        HUGE_DIGITS.map(lambda n: f'{{"1": {n}}}'),
        HUGE_DIGITS.map(lambda n: f'{{"{n}": "x"}}'),
        ODD_DIGITS.map(lambda n: json.dumps({n: "x"})),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
            max_leaves=10,
        ).map(json.dumps),
        st.text(max_size=30),
    )


IF_MATCH = st.one_of(
    HUGE_DIGITS,
    HUGE_DIGITS.map(lambda n: f'W/"{n}"'),
    ODD_DIGITS,
    ODD_DIGITS.map(lambda n: f'"{n}"'),
    st.text(max_size=20),
)
