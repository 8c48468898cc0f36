"""Branches of the embedded server: writable copies in ``<data dir>/branches/<name>``.

A branch is an embedded server of its own (its own data directory, port and log),
sharing the primary's roles and passwords. ``create`` copies the running server now
with the wheel's ``pg_basebackup``, or restores it as of a past time from the
backups; ``turns up --branch NAME`` runs Turns on it (``TURNS_DATA_DIR`` set to its
folder).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from turns.db.backups import Backups
from turns.db.embedded import EmbeddedError, EmbeddedPostgres, free_port
from turns.db.standby import base_backup

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Branch:
    name: str
    server: EmbeddedPostgres

    @property
    def running(self) -> bool:
        return self.server.is_running()


class Branches:
    def __init__(self, primary: EmbeddedPostgres) -> None:
        self.primary = primary
        self.root = primary.data_dir / "branches"

    def folder(self, name: str) -> Path:
        if not NAME.match(name):
            raise EmbeddedError(f"invalid branch name {name!r}: lower-case letters, digits, '-' and '_'")
        return self.root / name

    def get(self, name: str) -> Branch:
        folder = self.folder(name)
        if not (folder / "pgdata" / "PG_VERSION").exists():
            raise EmbeddedError(f"no branch named {name!r}")
        return Branch(name, EmbeddedPostgres(folder, bin_dir=self.primary.bin_dir))

    def create(self, name: str, backups: Backups, at: datetime | None = None) -> Branch:
        """A writable copy of the primary, now or as of ``at``, started on a free port."""
        folder = self.folder(name)
        if folder.exists():
            raise EmbeddedError(f"a branch named {name!r} already exists")
        if at is not None:
            return Branch(name, backups.restore(folder, at))
        if not self.primary.is_running():
            raise EmbeddedError("the embedded server is not running: start it with `turns db start`")
        server = EmbeddedPostgres(folder, bin_dir=self.primary.bin_dir)
        try:
            base_backup(self.primary, server.pgdata, standby=False)
            shutil.copy2(self.primary.data_dir / "secrets.json", folder / "secrets.json")
            server._write_private_json(folder / "server.json", {"port": free_port()})
            with open(server.pgdata / "postgresql.auto.conf", "a") as conf:
                conf.write("archive_mode = 'off'\n")  # a branch is not backed up into the primary's archive
            server.ensure_running()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return Branch(name, server)

    def list(self) -> list[Branch]:
        if not self.root.is_dir():
            return []
        names = sorted(p.name for p in self.root.iterdir() if (p / "pgdata" / "PG_VERSION").exists())
        return [self.get(name) for name in names]

    def delete(self, name: str) -> None:
        branch = self.get(name)
        branch.server.stop()
        shutil.rmtree(branch.server.data_dir)
