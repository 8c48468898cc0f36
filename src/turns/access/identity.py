"""Who is acting: the signed-in user a request (or a job, or a sync session) acts as.

A plain value, resolved from a session by :mod:`turns.auth.dependencies`; every access rule in
this package takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CurrentUser:
    id: UUID
    email: str
    role: str
    vendor_id: UUID | None
    session_id: UUID
    first_name: str | None = None
    last_name: str | None = None
    via_cookie: bool = False
