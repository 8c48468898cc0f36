"""A decoder for PostgreSQL's ``pgoutput`` logical replication messages (protocol version 1).

Only what change capture needs: transaction bounds, relations (to name tables and find
their key), and the rows touched by inserts, updates, deletes and truncates. Column
values arrive in PostgreSQL's text format; they are kept as text (or ``None``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

UNCHANGED = object()
"""A TOASTed value the update did not change (pgoutput sends no value for it)."""


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int


@dataclass(frozen=True)
class Relation:
    oid: int
    schema: str
    name: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    relation: Relation
    operation: str  # insert | update | delete
    new: dict[str, object] | None = None
    old: dict[str, object] | None = None
    old_is_key: bool = False
    """The old row holds only the replica identity's key (the table is not ``REPLICA IDENTITY FULL``)."""


@dataclass(frozen=True)
class Truncate:
    relations: tuple[Relation, ...]


Message = Begin | Commit | Relation | Change | Truncate | None


class DecodeError(ValueError):
    pass


@dataclass
class Decoder:
    """Decodes one message at a time; remembers relations across messages."""

    relations: dict[int, Relation] = field(default_factory=dict)

    def decode(self, data: bytes) -> Message:
        reader = _Reader(data)
        kind = reader.byte()
        if kind == b"B":
            final_lsn = reader.int64()
            reader.int64()  # commit timestamp
            return Begin(final_lsn=final_lsn, xid=reader.uint32())
        if kind == b"C":
            reader.byte()  # flags
            commit_lsn = reader.int64()
            return Commit(commit_lsn=commit_lsn, end_lsn=reader.int64())
        if kind == b"R":
            relation = self._relation(reader)
            self.relations[relation.oid] = relation
            return relation
        if kind in (b"I", b"U", b"D"):
            return self._change(kind, reader)
        if kind == b"T":
            count = reader.int32()
            reader.byte()  # options
            return Truncate(tuple(self._known(reader.uint32()) for _ in range(count)))
        if kind in (b"Y", b"O", b"M"):  # types, origins, logical messages: nothing to capture
            return None
        raise DecodeError(f"unknown pgoutput message {kind!r}")

    def _known(self, oid: int) -> Relation:
        try:
            return self.relations[oid]
        except KeyError:
            raise DecodeError(f"change for relation {oid} before its relation message") from None

    @staticmethod
    def _relation(reader: _Reader) -> Relation:
        oid = reader.uint32()
        schema, name = reader.string(), reader.string()
        reader.byte()  # replica identity
        columns, keys = [], []
        for _ in range(reader.int16()):
            flags = reader.int8()
            column = reader.string()
            reader.int32()  # type oid
            reader.int32()  # type modifier
            columns.append(column)
            if flags & 1:
                keys.append(column)
        return Relation(oid=oid, schema=schema, name=name, columns=tuple(columns), key_columns=tuple(keys))

    def _change(self, kind: bytes, reader: _Reader) -> Change:
        relation = self._known(reader.uint32())
        if kind == b"I":
            reader.expect(b"N")
            return Change(relation, "insert", new=_tuple(reader, relation))
        if kind == b"D":
            marker = reader.byte()  # K (key) or O (old row)
            return Change(relation, "delete", old=_tuple(reader, relation), old_is_key=marker == b"K")
        marker = reader.byte()
        old, key_only = None, marker == b"K"
        if marker in (b"K", b"O"):
            old = _tuple(reader, relation)
            marker = reader.byte()
        if marker != b"N":
            raise DecodeError(f"update without a new row (saw {marker!r})")
        return Change(relation, "update", new=_tuple(reader, relation), old=old, old_is_key=key_only)


_NULL, _UNCHANGED, _TEXT, _BINARY = b"nutb"  # (the kinds of a tuple's values, as byte values)
_INT8, _INT16, _INT32, _UINT32, _INT64 = (struct.Struct(f) for f in ("!b", "!h", "!i", "!I", "!q"))
_LENGTH = _UINT32.unpack_from


def _tuple(reader: _Reader, relation: Relation) -> dict[str, object]:
    """A row's values by column name. The engine decodes every change of the slot here (a turn's
    update is two rows of 57 values), so the loop reads the buffer in place, a slice per value, and
    checks its bounds once: a value's length is read unsigned, so a length past the message's end
    leaves the position past it, which the next value's read or the check after the loop finds."""
    count = reader.unpack(_INT16)
    data, at = reader.data, reader.at
    names = relation.columns
    if count > len(names):
        names = (*names, *(str(index) for index in range(len(names), count)))
    values: dict[str, object] = {}
    try:
        for index in range(count):
            kind = data[at]
            if kind == _TEXT:
                start = at + 5
                at = start + _LENGTH(data, at + 1)[0]
                values[names[index]] = data[start:at].decode()
            elif kind == _NULL:
                values[names[index]] = None
                at += 1
            elif kind == _UNCHANGED:
                values[names[index]] = UNCHANGED
                at += 1
            elif kind == _BINARY:
                start = at + 5
                at = start + _LENGTH(data, at + 1)[0]
                values[names[index]] = data[start:at]
            else:
                raise DecodeError(f"unknown tuple value kind {bytes([kind])!r}")
    except (IndexError, struct.error, UnicodeDecodeError):  # (a value cut short by the message's end)
        raise DecodeError("message ends early") from None
    if at > len(data):
        raise DecodeError("message ends early")
    reader.at = at
    return values


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        self.at = 0

    def take(self, size: int) -> bytes:
        end = self.at + size
        if size < 0 or end > len(self.data):
            raise DecodeError("message ends early")
        chunk = self.data[self.at : end]
        self.at = end
        return chunk

    def byte(self) -> bytes:
        return self.take(1)

    def expect(self, value: bytes) -> None:
        found = self.byte()
        if found != value:
            raise DecodeError(f"expected {value!r}, saw {found!r}")

    def unpack(self, shape: struct.Struct) -> int:
        try:
            (value,) = shape.unpack_from(self.data, self.at)
        except struct.error:
            raise DecodeError("message ends early") from None
        self.at += shape.size
        return int(value)

    def int8(self) -> int:
        return self.unpack(_INT8)

    def int16(self) -> int:
        return self.unpack(_INT16)

    def int32(self) -> int:
        return self.unpack(_INT32)

    def uint32(self) -> int:
        return self.unpack(_UINT32)

    def int64(self) -> int:
        return self.unpack(_INT64)

    def string(self) -> str:
        end = self.data.find(b"\x00", self.at)
        if end < 0:
            raise DecodeError("unterminated string")
        value = self.data[self.at : end].decode()
        self.at = end + 1
        return value
