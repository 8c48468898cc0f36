"""PostgreSQL write-ahead log positions (``pg_lsn``) as integers, so they compare and subtract."""

from __future__ import annotations


def parse_lsn(text: str) -> int:
    """``'16/B374D848'`` as a byte position in the WAL."""
    high, _, low = text.partition("/")
    if not low:
        raise ValueError(f"not a WAL position: {text!r}")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    """The inverse of :func:`parse_lsn`, in PostgreSQL's spelling."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"
