"""The nine user roles of Turns (the ``user_role`` enum, :data:`turns.db.tables.ROLES`), the
roles rules name one by one, and the groups that access rules are written in. What each
role may do is :mod:`turns.access.actions`."""

from __future__ import annotations

from turns.db.tables import ROLES

__all__ = [
    "ADMINS",
    "APPROVERS",
    "DFO_APPROVER",
    "HO_APPROVER",
    "INSPECTOR",
    "MANAGERS",
    "ROLES",
    "SR_PROPERTY_MANAGER",
    "SUPER_ADMIN",
    "USER",
    "VENDOR",
]

SUPER_ADMIN = "SUPER_ADMIN"
SR_PROPERTY_MANAGER = "SR_PROPERTY_MANAGER"
DFO_APPROVER = "DFO_APPROVER"
HO_APPROVER = "HO_APPROVER"
INSPECTOR = "INSPECTOR"
VENDOR = "VENDOR"
USER = "USER"

ADMINS = frozenset({SUPER_ADMIN, "ADMIN"})
MANAGERS = frozenset({"PROPERTY_MANAGER", SR_PROPERTY_MANAGER})
APPROVERS = frozenset({DFO_APPROVER, HO_APPROVER})
