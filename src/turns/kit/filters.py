"""Query-string filters shared by the list, export and report endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import Field

NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold NUL: a filter refuses it as a 422 rather than failing in the database."""


def text_filter(max_length: int) -> Any:
    """An optional text filter of at most ``max_length`` characters."""
    return Field(default=None, max_length=max_length, pattern=NO_NUL)
