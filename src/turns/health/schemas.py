"""The answers of the liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    database: Literal["ok", "unreachable"]
    schema_revision: str | None
    expected_revision: str
