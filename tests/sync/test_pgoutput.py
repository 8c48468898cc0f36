"""pgoutput messages as PostgreSQL writes them (protocol 1), decoded; a cut or unknown message is
a DecodeError, never a wrong row."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turns.sync.pgoutput import UNCHANGED, Begin, Change, Commit, DecodeError, Decoder, Relation, Truncate


def _string(text: str) -> bytes:
    return text.encode() + b"\x00"


def _relation(oid: int = 16_401) -> bytes:
    columns = [(1, "id"), (0, "wo_number"), (0, "notes"), (0, "photo")]
    body = b"".join(struct.pack("!b", flags) + _string(name) + struct.pack("!ii", 25, -1) for flags, name in columns)
    return b"R" + struct.pack("!I", oid) + _string("public") + _string("turns") + b"f" + struct.pack("!h", 4) + body


def _row(*values: object) -> bytes:
    parts = [struct.pack("!h", len(values))]
    for value in values:
        if value is None:
            parts.append(b"n")
        elif value is UNCHANGED:
            parts.append(b"u")
        else:
            assert isinstance(value, bytes)
            parts.append(b"t" + struct.pack("!i", len(value)) + value)
    return b"".join(parts)


def _decoder() -> Decoder:
    decoder = Decoder()
    decoder.decode(_relation())
    return decoder


def test_a_transaction_and_its_changes_are_decoded() -> None:
    decoder = Decoder()
    assert decoder.decode(b"B" + struct.pack("!qqI", 0x1_0000_0010, 0, 742)) == Begin(final_lsn=0x1_0000_0010, xid=742)
    relation = decoder.decode(_relation())
    assert isinstance(relation, Relation) and relation.columns == ("id", "wo_number", "notes", "photo")
    inserted = decoder.decode(b"I" + struct.pack("!I", 16_401) + b"N" + _row(b"t-1", "WO-ü".encode(), None, UNCHANGED))
    assert isinstance(inserted, Change) and inserted.operation == "insert"
    assert inserted.new == {"id": "t-1", "wo_number": "WO-ü", "notes": None, "photo": UNCHANGED}
    updated = decoder.decode(
        b"U" + struct.pack("!I", 16_401) + b"O" + _row(b"t-1", b"A", None, None) + b"N" + _row(b"t-1", b"B", b"", None)
    )
    assert isinstance(updated, Change) and updated.old == {"id": "t-1", "wo_number": "A", "notes": None, "photo": None}
    assert updated.new == {"id": "t-1", "wo_number": "B", "notes": "", "photo": None}
    deleted = decoder.decode(b"D" + struct.pack("!I", 16_401) + b"K" + _row(b"t-1", None, None, None))
    assert isinstance(deleted, Change) and deleted.old_is_key and deleted.old is not None and deleted.old["id"] == "t-1"
    truncated = decoder.decode(b"T" + struct.pack("!i", 1) + b"\x00" + struct.pack("!I", 16_401))
    assert isinstance(truncated, Truncate) and truncated.relations[0].name == "turns"
    assert decoder.decode(b"C" + b"\x00" + struct.pack("!qqq", 5, 6, 0)) == Commit(commit_lsn=5, end_lsn=6)


@settings(max_examples=300, deadline=None, database=None)
@given(cut=st.integers(min_value=0, max_value=60))
def test_a_cut_message_is_an_error_not_a_row(cut: int) -> None:
    message = (
        b"U"
        + struct.pack("!I", 16_401)
        + b"O"
        + _row(b"t-1", b"A", None, None)
        + b"N"
        + _row(b"t-1", "Bü".encode(), b"x", None)  # (a cut inside the ü is an error too)
    )
    if cut >= len(message):
        return
    with pytest.raises(DecodeError):
        _decoder().decode(message[:cut])


def test_unknown_kinds_and_relations_are_errors() -> None:
    with pytest.raises(DecodeError, match="unknown tuple value kind b'x'"):
        _decoder().decode(b"I" + struct.pack("!I", 16_401) + b"N" + struct.pack("!h", 1) + b"x")
    with pytest.raises(DecodeError, match="before its relation"):
        Decoder().decode(b"I" + struct.pack("!I", 9) + b"N" + _row(b"a"))
    with pytest.raises(DecodeError, match="message ends early"):
        _decoder().decode(b"I" + struct.pack("!I", 16_401) + b"N" + struct.pack("!h", 1) + b"t" + struct.pack("!i", -5))
    with pytest.raises(DecodeError, match="unknown pgoutput message"):
        Decoder().decode(b"Z")
