"""Per client, the WAL position of its last commit the replica is not known to have replayed.

In one process the positions are a bounded dict. The workers of one server (``turns serve
--workers N``) share them through a SQLite file, so a client whose write one worker
committed reads its write from any worker: the kernel hands each connection to whichever
worker accepts it first. A note is one small write, a read one indexed lookup; nothing needs
to survive a restart (``synchronous=OFF``), and positions older than a minute are dropped,
since the replica serves no reads while it lags by more than its limit (about a second).
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from pathlib import Path

_MAX_CLIENTS = 100_000
_FORGET_SECONDS = 60.0
_PRUNE_EVERY = 1_000


class Positions:
    """The positions of the clients of this process (the least recently written forgotten first)."""

    def __init__(self) -> None:
        self.pending: OrderedDict[str, int] = OrderedDict()

    def get(self, client: str) -> int | None:
        return self.pending.get(client)

    def note(self, client: str, lsn: int) -> None:
        self.pending[client] = max(lsn, self.pending.get(client, 0))
        self.pending.move_to_end(client)
        while len(self.pending) > _MAX_CLIENTS:
            self.pending.popitem(last=False)

    def replayed(self, client: str, lsn: int) -> None:
        """The replica has replayed up to ``lsn``: the client's position is no longer pending if it is at or below."""
        if self.pending.get(client, lsn + 1) <= lsn:
            del self.pending[client]


class SharedPositions(Positions):
    """The positions of the clients of every worker of one server, in the SQLite file ``path``."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=1.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS positions (client TEXT PRIMARY KEY, lsn INTEGER NOT NULL, at REAL NOT NULL)"
        )
        self.notes = 0

    def get(self, client: str) -> int | None:
        row = self.db.execute("SELECT lsn FROM positions WHERE client = ?", (client,)).fetchone()
        return None if row is None else int(row[0])

    def note(self, client: str, lsn: int) -> None:
        now = time.time()
        self.db.execute(
            "INSERT INTO positions (client, lsn, at) VALUES (?, ?, ?)"
            " ON CONFLICT (client) DO UPDATE SET lsn = max(lsn, excluded.lsn), at = excluded.at",
            (client, lsn, now),
        )
        self.notes += 1
        if self.notes % _PRUNE_EVERY == 0:
            self.db.execute("DELETE FROM positions WHERE at < ?", (now - _FORGET_SECONDS,))

    def replayed(self, client: str, lsn: int) -> None:
        self.db.execute("DELETE FROM positions WHERE client = ? AND lsn <= ?", (client, lsn))
