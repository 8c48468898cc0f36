"""The ``where`` clauses a shape may carry: a small, documented subset of SQL.

A clause is tokenised and parsed here, then written back out as SQL that names only
columns of the shape's table (quoted) and carries every value as a bound parameter, so
nothing the client sends reaches PostgreSQL as SQL text. What is allowed:

- column names of the table (plain or double-quoted), string and number literals,
  ``TRUE``/``FALSE``/``NULL``, positional parameters ``$1``, ``$2``, ... bound from ``params``;
- comparisons ``= <> != < <= > >=`` (also with ``ANY (...)`` of an array, e.g. ``id = ANY($1)``),
  ``AND``/``OR``/``NOT``, parentheses, ``+ - * / % ||``;
- ``[NOT] IN (...)``, ``[NOT] LIKE/ILIKE``, ``[NOT] BETWEEN ... AND ...``,
  ``IS [NOT] NULL``, ``IS [NOT] TRUE/FALSE``, ``IS [NOT] DISTINCT FROM``;
- casts ``::type`` to a few types, and the functions ``lower``, ``upper``, ``coalesce``,
  ``greatest``, ``least``, ``length``, ``trim``, ``concat``.

Anything else (subqueries, other tables, other functions, comments, ``;``) is refused
with the position where parsing stopped, and so is a clause past :data:`MAX_CLAUSE_CHARS`,
nested past :data:`MAX_DEPTH` or naming a parameter past ``$9999``: the parser recurses,
and Python's recursion limit must never be what stops it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from turns.kit.limits import whole_number

MAX_CLAUSE_CHARS = 16 * 1024
"""The longest ``where``, ``order_by`` or ``columns`` text."""
MAX_DEPTH = 32
"""How deep parentheses, ``NOT``, unary minus, function calls, ``IN`` and ``ANY`` lists may nest."""
MAX_PARAMETER_DIGITS = 4
"""Parameters go from ``$1`` to ``$9999``."""

FUNCTIONS = frozenset({"lower", "upper", "coalesce", "greatest", "least", "length", "trim", "concat"})
CASTS = {
    "text": "text",
    "varchar": "varchar",
    "int": "integer",
    "int4": "integer",
    "integer": "integer",
    "int8": "bigint",
    "bigint": "bigint",
    "numeric": "numeric",
    "date": "date",
    "timestamptz": "timestamptz",
    "timestamp": "timestamp",
    "bool": "boolean",
    "boolean": "boolean",
    "uuid": "uuid",
}
KEYWORDS = frozenset(
    {"and", "or", "not", "in", "like", "ilike", "between", "is", "null", "true", "false", "distinct", "from"}
)
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<param>\$\d+)
  | (?P<quoted>"(?:[^"]|"")+")
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|<>|!=|::|\|\||[=<>(),+\-*/%])
    """,
    re.VERBOSE | re.ASCII,  # digits and spaces as SQL has them, not Unicode's
)
_COMPARISONS = frozenset({"=", "<>", "!=", "<", "<=", ">", ">="})


class WhereError(ValueError):
    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        super().__init__(message if position is None else f"{message} at position {position + 1}")


ELECTRIC_PREFIX = len("SELECT 1 WHERE ")
"""Electric has PostgreSQL's parser read a clause after this, and its errors count from there."""


class WhereSyntaxError(WhereError):
    """A clause that is not SQL, worded as PostgreSQL's parser (and so Electric) words it."""

    def __init__(self, near: str | None, position: int) -> None:
        self.position = position
        where = "at end of input" if near is None else f'at or near "{near}"'
        ValueError.__init__(self, f"At location {ELECTRIC_PREFIX + position}: syntax error {where}")


class ColumnRefused(WhereError):
    """The clause names a column the user may not read."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def parameter_number(text: str) -> int | None:
    """The ``n`` of ``$n`` or ``params[n]``; None unless 1 to :data:`MAX_PARAMETER_DIGITS` digits."""
    return whole_number(text, MAX_PARAMETER_DIGITS)


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_CLAUSE_CHARS:
        raise WhereError(f"must be at most {MAX_CLAUSE_CHARS} characters long")
    tokens: list[Token] = []
    at = 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            raise WhereError(f"unexpected {source[at]!r}", at)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), at))
        at = match.end()
    return tokens


@dataclass
class Compiled:
    sql: str
    values: dict[str, str] = field(default_factory=dict)
    columns: frozenset[str] = frozenset()


E = TypeVar("E")


class Builder(Protocol[E]):
    """What the parser makes of each construct it reads: SQL text (:class:`SqlBuilder`), or an
    evaluation of decoded rows (:mod:`turns.sync.predicates`). One grammar serves both."""

    def value(self, text: str) -> E:
        """A string literal or a parameter's value (typed by where it stands, as PostgreSQL does)."""

    def number(self, text: str) -> E: ...
    def constant(self, word: str) -> E:
        """``TRUE``, ``FALSE`` or ``NULL``."""

    def column(self, name: str) -> E: ...
    def function(self, name: str, args: list[E]) -> E: ...
    def cast(self, operand: E, type_name: str) -> E: ...
    def negative(self, operand: E) -> E: ...
    def arithmetic(self, left: E, op: str, right: E) -> E: ...
    def compare(self, left: E, op: str, right: E) -> E: ...
    def compare_any(self, left: E, op: str, array: E) -> E: ...
    def is_(self, operand: E, what: str, negated: bool) -> E:
        """``IS [NOT] NULL/TRUE/FALSE`` (``what`` in capitals)."""

    def distinct(self, left: E, right: E, negated: bool) -> E: ...
    def in_(self, left: E, items: list[E], negated: bool) -> E: ...
    def like(self, left: E, op: str, pattern: E, negated: bool) -> E: ...
    def between(self, operand: E, low: E, high: E, negated: bool) -> E: ...
    def not_(self, operand: E) -> E: ...
    def junction(self, op: str, parts: list[E]) -> E:
        """``AND`` or ``OR`` of two or more parts."""


@dataclass
class SqlBuilder:
    """The clause written back as SQL: columns quoted, every value bound (``:w1``, ``:w2`` ...)."""

    prefix: str
    values: dict[str, str] = field(default_factory=dict)

    def value(self, text: str) -> str:
        name = f"{self.prefix}{len(self.values) + 1}"
        self.values[name] = text
        return f":{name}"

    def number(self, text: str) -> str:
        return text

    def constant(self, word: str) -> str:
        return word

    def column(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def function(self, name: str, args: list[str]) -> str:
        return f"{name}({', '.join(args)})"

    def cast(self, operand: str, type_name: str) -> str:
        return f"CAST({operand} AS {type_name})"

    def negative(self, operand: str) -> str:
        return f"(- {operand})"

    def arithmetic(self, left: str, op: str, right: str) -> str:
        return f"({left} {op} {right})"

    def compare(self, left: str, op: str, right: str) -> str:
        return f"({left} {op} {right})"

    def compare_any(self, left: str, op: str, array: str) -> str:
        return f"({left} {op} ANY ({array}))"

    def is_(self, operand: str, what: str, negated: bool) -> str:
        return f"({operand} IS {'NOT ' if negated else ''}{what})"

    def distinct(self, left: str, right: str, negated: bool) -> str:
        return f"({left} IS {'NOT ' if negated else ''}DISTINCT FROM {right})"

    def in_(self, left: str, items: list[str], negated: bool) -> str:
        return f"({left} {'NOT ' if negated else ''}IN ({', '.join(items)}))"

    def like(self, left: str, op: str, pattern: str, negated: bool) -> str:
        return f"({left} {'NOT ' if negated else ''}{op} {pattern})"

    def between(self, operand: str, low: str, high: str, negated: bool) -> str:
        return f"({operand} {'NOT ' if negated else ''}BETWEEN {low} AND {high})"

    def not_(self, operand: str) -> str:
        return f"(NOT {operand})"

    def junction(self, op: str, parts: list[str]) -> str:
        return "(" + f" {op} ".join(parts) + ")"


@dataclass
class _Parser(Generic[E]):
    tokens: list[Token]
    columns: frozenset[str]
    readable: frozenset[str]
    params: Mapping[int, str]
    build: Builder[E]
    used: set[str] = field(default_factory=set)
    at: int = 0
    depth: int = 0

    # -- token helpers --
    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, offset: int = 0) -> str | None:
        token = self.peek(offset)
        return token.text.lower() if token is not None and token.kind == "word" else None

    def accept_word(self, *words: str) -> bool:
        if self.word() in words:
            self.at += 1
            return True
        return False

    def is_op(self, op: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == "op" and token.text == op

    def accept_op(self, op: str) -> bool:
        if self.is_op(op):
            self.at += 1
            return True
        return False

    def fail(self, message: str) -> WhereError:
        token = self.peek()
        position = token.position if token is not None else None
        return WhereError(message if token is not None else f"{message} at the end", position)

    def syntax_error(self) -> WhereSyntaxError:
        """Input that is not SQL here (Electric's wording)."""
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else None
            return WhereSyntaxError(None, last.position + len(last.text) if last is not None else 0)
        return WhereSyntaxError(token.text, token.position)

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.syntax_error()

    @contextmanager
    def nested(self) -> Iterator[None]:
        """One level deeper into the clause (the token just read opens it); refused past :data:`MAX_DEPTH`."""
        if self.depth >= MAX_DEPTH:
            opener = self.tokens[self.at - 1]
            raise WhereError(f"the clause nests more than {MAX_DEPTH} levels deep", opener.position)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    # -- grammar --
    def parse(self) -> E:
        if not self.tokens:
            raise WhereError("the where clause is empty")
        sql = self.disjunction()
        if self.peek() is not None:
            raise self.syntax_error()
        return sql

    def disjunction(self) -> E:
        parts = [self.conjunction()]
        while self.accept_word("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else self.build.junction("OR", parts)

    def conjunction(self) -> E:
        parts = [self.negation()]
        while self.accept_word("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else self.build.junction("AND", parts)

    def negation(self) -> E:
        if self.accept_word("not"):
            with self.nested():
                return self.build.not_(self.negation())
        return self.predicate()

    def predicate(self) -> E:
        left = self.additive()
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in _COMPARISONS:
            self.at += 1
            op = "<>" if token.text == "!=" else token.text
            if self.word() == "any" and self.is_op("(", 1):
                self.at += 2
                with self.nested():
                    array = self.additive()
                self.expect_op(")")
                return self.build.compare_any(left, op, array)
            return self.build.compare(left, op, self.additive())
        if self.accept_word("is"):
            negated = self.accept_word("not")
            for what in ("null", "true", "false"):
                if self.accept_word(what):
                    return self.build.is_(left, what.upper(), negated)
            if self.accept_word("distinct"):
                if not self.accept_word("from"):
                    raise self.fail("expected FROM")
                return self.build.distinct(left, self.additive(), negated)
            raise self.fail("expected NULL, TRUE, FALSE or DISTINCT FROM")
        negated = self.word() == "not" and self.word(1) in ("in", "like", "ilike", "between")
        if negated:
            self.at += 1
        if self.accept_word("in"):
            self.expect_op("(")
            with self.nested():
                items = [self.additive()]
                while self.accept_op(","):
                    items.append(self.additive())
            self.expect_op(")")
            return self.build.in_(left, items, negated)
        for op in ("like", "ilike"):
            if self.accept_word(op):
                return self.build.like(left, op.upper(), self.additive(), negated)
        if self.accept_word("between"):
            low = self.additive()
            if not self.accept_word("and"):
                raise self.fail("expected AND")
            return self.build.between(left, low, self.additive(), negated)
        if negated:
            raise self.fail("expected IN, LIKE, ILIKE or BETWEEN")
        return left

    def _binary(self, ops: tuple[str, ...], operand: Callable[[], E]) -> E:
        sql = operand()
        while True:
            token = self.peek()
            if token is None or token.kind != "op" or token.text not in ops:
                return sql
            self.at += 1
            sql = self.build.arithmetic(sql, token.text, operand())

    def additive(self) -> E:
        return self._binary(("+", "-", "||"), self.multiplicative)

    def multiplicative(self) -> E:
        return self._binary(("*", "/", "%"), self.unary)

    def unary(self) -> E:
        if self.accept_op("-"):
            with self.nested():
                return self.build.negative(self.unary())
        sql = self.primary()
        while self.accept_op("::"):
            name = self.word()
            if name not in CASTS:
                raise self.fail(f"casts are allowed only to {', '.join(sorted(CASTS))}")
            self.at += 1
            sql = self.build.cast(sql, CASTS[name])
        return sql

    def primary(self) -> E:
        token = self.peek()
        if token is None:
            raise self.fail("expected a value")
        if token.kind == "string":
            self.at += 1
            return self.build.value(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            self.at += 1
            return self.build.number(token.text)
        if token.kind == "param":
            self.at += 1
            number = parameter_number(token.text[1:])
            if number is None:
                raise WhereError(f"parameters go up to ${10**MAX_PARAMETER_DIGITS - 1}", token.position)
            if number not in self.params:
                raise WhereError(f"no value for parameter {token.text}", token.position)
            return self.build.value(self.params[number])
        if token.kind == "op" and token.text == "(":
            self.at += 1
            with self.nested():
                inner = self.disjunction()
            self.expect_op(")")
            return inner
        if token.kind == "quoted":
            self.at += 1
            return self.column(token.text[1:-1].replace('""', '"'), token)
        if token.kind == "word":
            name = token.text.lower()
            if name in ("true", "false", "null"):
                self.at += 1
                return self.build.constant(name.upper())
            if self.is_op("(", 1):
                return self.function(name, token)
            if name in KEYWORDS:
                raise self.fail("expected a value")
            self.at += 1
            return self.column(name, token)
        raise self.fail("expected a value")

    def function(self, name: str, token: Token) -> E:
        if name not in FUNCTIONS:
            raise WhereError(f"function {name!r} is not allowed", token.position)
        self.at += 2
        with self.nested():
            args = [self.additive()]
            while self.accept_op(","):
                args.append(self.additive())
        self.expect_op(")")
        return self.build.function(name, args)

    def column(self, name: str, token: Token) -> E:
        if name not in self.columns:
            raise WhereError(f"unknown column {name!r}", token.position)
        if name not in self.readable:
            raise ColumnRefused(f"column {name!r} is not readable by your role", token.position)
        self.used.add(name)
        return self.build.column(name)


def compile_where(
    source: str,
    *,
    columns: frozenset[str],
    readable: frozenset[str],
    params: Mapping[int, str],
    prefix: str = "w",
) -> Compiled:
    """Parse ``source`` and write it back as SQL with bound values (``:w1``, ``:w2``, ...)."""
    build = SqlBuilder(prefix)
    parser = _Parser(tokenize(source), columns, readable, params, build)
    sql = parser.parse()
    return Compiled(sql=sql, values=build.values, columns=frozenset(parser.used))


def parse_clause(source: str, *, columns: frozenset[str], params: Mapping[int, str], build: Builder[E]) -> E:
    """``source`` (a clause of the subset) made by ``build``; every column of ``columns`` may be named."""
    return _Parser(tokenize(source), columns, columns, params, build).parse()


def compile_order_by(source: str, *, columns: frozenset[str], readable: frozenset[str]) -> str:
    """``col [ASC|DESC] [NULLS FIRST|LAST], ...`` with known, readable columns only."""
    parser = _Parser(tokenize(source), columns, readable, {}, SqlBuilder("o"))
    parts = []
    while True:
        token = parser.peek()
        if token is None or token.kind not in ("word", "quoted"):
            raise parser.fail("expected a column")
        parser.at += 1
        name = token.text.lower() if token.kind == "word" else token.text[1:-1].replace('""', '"')
        part = parser.column(name, token)
        if parser.accept_word("asc"):
            part += " ASC"
        elif parser.accept_word("desc"):
            part += " DESC"
        if parser.accept_word("nulls"):
            if parser.accept_word("first"):
                part += " NULLS FIRST"
            elif parser.accept_word("last"):
                part += " NULLS LAST"
            else:
                raise parser.fail("expected FIRST or LAST")
        parts.append(part)
        if not parser.accept_op(","):
            break
    if parser.peek() is not None:
        raise parser.syntax_error()
    return ", ".join(parts)
