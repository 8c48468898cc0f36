"""The nine user roles of Turns (the ``user_role`` enum, :data:`turns.db.tables.ROLES`) and the
groups that access rules are written in."""

from __future__ import annotations

from turns.db.tables import ROLES

__all__ = ["ADMINS", "APPROVERS", "MANAGERS", "ROLES"]

ADMINS = frozenset({"SUPER_ADMIN", "ADMIN"})
MANAGERS = frozenset({"PROPERTY_MANAGER", "SR_PROPERTY_MANAGER"})
APPROVERS = frozenset({"DFO_APPROVER", "HO_APPROVER"})
