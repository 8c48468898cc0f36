"""Log offsets as the Shape API writes them: ``-1`` (before everything), ``now``, or ``{tx}_{op}``.

``tx`` is 0 for a shape's initial snapshot (``op`` counts its messages) and afterwards the
commit LSN of the step that changed the shape (as a decimal number); ``op`` orders the
messages within it. ``{tx}_inf`` sorts after every message of ``tx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INF = 2**62
# At most 18 digits: the log keeps offsets in SQLite's 64-bit integers (an LSN that long
# would take an exabyte of WAL).
_FORMAT = re.compile(r"^([0-9]{1,18})_([0-9]{1,18}|inf)$")


@dataclass(frozen=True, order=True)
class Offset:
    tx: int
    op: int

    def __str__(self) -> str:
        return f"{self.tx}_{'inf' if self.op >= INF else self.op}"


BEFORE_ALL = Offset(-1, 0)


def parse_offset(raw: str) -> Offset | None:
    """The offset a client sent; ``None`` for ``now``; raises ``ValueError`` when malformed."""
    if raw == "-1":
        return BEFORE_ALL
    if raw == "now":
        return None
    match = _FORMAT.match(raw)
    if match is None:
        raise ValueError("must be -1, now, or <tx>_<op>")
    op = match.group(2)
    return Offset(int(match.group(1)), INF if op == "inf" else int(op))
