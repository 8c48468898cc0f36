"""Where background exports keep their files, and for how long."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

RETENTION = timedelta(days=7)
"""A background export's file is deleted this long after it was written."""


def export_path(data_dir: Path, export_id: UUID, fmt: str) -> Path:
    """Under the data directory, named by the export's id (never by anything a user typed)."""
    return data_dir / "exports" / f"{export_id}.{fmt}"


def purge_old_files(data_dir: Path, now: float | None = None) -> int:
    """Delete export files (finished or abandoned halfway) older than :data:`RETENTION`;
    returns how many. Downloading a purged export answers that the file is gone."""
    folder = data_dir / "exports"
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - RETENTION.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
