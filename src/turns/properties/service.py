"""Property rules beyond RLS: who may reassign a portfolio."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turns.auth.dependencies import CurrentUser
from turns.kit.errors import Forbidden
from turns.roles import ADMINS

ASSIGNMENT_FIELDS = frozenset({"property_manager_id", "sr_property_manager_id"})


def check_update(user: CurrentUser, current: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """A property manager edits the home but not who manages it; a senior manager may
    reassign the property manager of their own portfolio; admins anything."""
    reassigning = {k for k in ASSIGNMENT_FIELDS & changes.keys() if changes[k] != current.get(k)}
    if not reassigning or user.role in ADMINS:
        return
    if user.role == "SR_PROPERTY_MANAGER" and reassigning == {"property_manager_id"}:
        return
    raise Forbidden(f"your role may not change {', '.join(sorted(reassigning))}")
