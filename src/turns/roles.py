"""The nine user roles of Turns (the ``user_role`` enum) and the groups the code uses."""

from __future__ import annotations

ROLES: tuple[str, ...] = (
    "SUPER_ADMIN",
    "ADMIN",
    "PROPERTY_MANAGER",
    "SR_PROPERTY_MANAGER",
    "VENDOR",
    "INSPECTOR",
    "DFO_APPROVER",
    "HO_APPROVER",
    "USER",
)
ADMINS = frozenset({"SUPER_ADMIN", "ADMIN"})
MANAGERS = frozenset({"PROPERTY_MANAGER", "SR_PROPERTY_MANAGER"})
APPROVERS = frozenset({"DFO_APPROVER", "HO_APPROVER"})
