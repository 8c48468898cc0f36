"""Who may take each action of Turns, named once: the services, the endpoints and sync check
these names, never a role of their own.

Rows stay PostgreSQL's decision (the RLS policies); these rules come on top of them: a
manager who may move turns moves only the turns RLS shows them. Admin-only actions
(configuration, users, monitoring) check :data:`turns.access.roles.ADMINS` itself.
Revealing a lock-box code is decided by the database function ``reveal_lock_box_code``
(migration 0006), which audits every reveal.
"""

from __future__ import annotations

from turns.access.roles import (
    ADMINS,
    APPROVERS,
    DFO_APPROVER,
    HO_APPROVER,
    INSPECTOR,
    MANAGERS,
    SR_PROPERTY_MANAGER,
    SUPER_ADMIN,
    USER,
    VENDOR,
)

SEES_EVERY_ROW = ADMINS | APPROVERS | {INSPECTOR}
"""Roles the row policies of turns and properties (and so sync's shapes) filter nothing for."""
SEES_OWN_AUDIT_ONLY = frozenset({VENDOR, USER})
"""Roles that read only the audit rows of their own actions."""

OPENS_TURNS = ADMINS | MANAGERS
"""Who opens a turn, and may change every field of one through the generic update."""
CLOSES_TURNS = ADMINS | MANAGERS
"""Who closes a turn without completing it, and reopens it."""
MOVES_TURNS = ADMINS | MANAGERS
"""Who moves a turn between stages."""
EDITS_NO_TURNS = APPROVERS
"""Approvers decide scopes through the approval actions and change no field of a turn."""

SUBMITS_SCOPES = ADMINS | MANAGERS
"""Who submits a turn's scope for approval."""
DECIDES_AT = {"DFO_APPROVAL_NEEDED": DFO_APPROVER, "HO_APPROVAL_NEEDED": HO_APPROVER}
"""The one role that approves or rejects a scope waiting at each step: DFO, then HO above the threshold."""
WATCHES_APPROVALS = ADMINS
"""Who sees every step's approval queue without deciding."""

WRITES_SCOPE_LINES = ADMINS | MANAGERS
"""Who adds, changes and removes the lines of a turn's scope (of the turns they may write)."""
MARKS_OWN_LINES_DONE = frozenset({VENDOR})
"""Who marks only their own company's lines done (or open again), and changes nothing else of them."""
ASKS_FOR_BIDS = ADMINS | MANAGERS
"""Who asks vendors to quote lines of a turn they may write, and awards one of the bids."""
COMPARES_BIDS = ADMINS | MANAGERS | APPROVERS
"""Who reads every bid of the turns they may read, side by side (approvers look, they do not award)."""
ANSWERS_BIDS = frozenset({VENDOR})
"""Who prices or declines only its own company's bids, while the request is open and not yet due."""

SCHEDULES_VENDORS = ADMINS | MANAGERS
"""Who proposes a vendor's visit window on a turn, confirms a vendor's counter, moves and cancels visits."""
ANSWERS_VISITS = frozenset({VENDOR})
"""Who accepts or counters its own company's visits (and changes nothing else of them)."""
FINISHES_VISITS = SCHEDULES_VENDORS | ANSWERS_VISITS
"""Who marks an accepted visit done: the vendor on site, or the manager for it."""

INSPECTS_TURNS = ADMINS | MANAGERS | {INSPECTOR}
"""Who starts, records and finishes a turn's move-out inspection (policies of migration 0020:
inspectors and admins on any turn, managers on their properties' turns); finishing proposes
unpriced scope lines as its writer. Vendor users read no inspection."""
WRITES_INSPECTION_TEMPLATES = ADMINS
"""Who writes the inspection templates everyone reads."""

CHANGES_TURN_DATES = ADMINS | MANAGERS
"""Who changes a turn's ready and move-in dates (with a reason once a date is set)."""
HANDS_OFF_TURNS = ADMINS | MANAGERS
"""Who sends a finished turn to leasing."""

SETS_LOCK_BOXES = ADMINS | MANAGERS | {VENDOR}
"""Who sets a lock box; a vendor user only on a turn assigned to its company."""

ADDS_PHOTOS = ADMINS | MANAGERS | {INSPECTOR, VENDOR}
"""Who adds photos to the turns they may read (policy ``photos_insert``, migrations 0019, 0023);
approvers look at them, and a vendor user neither adds nor sees an inspection's. Whoever added a
photo, or an admin, removes it."""
REASSIGNS_PROPERTY_MANAGER = ADMINS | {SR_PROPERTY_MANAGER}
"""Who changes a property's manager; only admins change its senior manager."""
CHANGES_NO_PROPERTIES = frozenset({VENDOR})
"""Roles that change no property, whatever RLS shows them."""

MAKES_SUPER_ADMINS = frozenset({SUPER_ADMIN})
"""Who makes, changes or (de)activates a super admin."""
NEW_USER_ROLE = USER
"""The role of a user created without one."""


def is_vendor(role: str) -> bool:
    """A vendor company's user: linked to its company, and confined to that company's work."""
    return role == VENDOR


def decider(status: str) -> str | None:
    """The role that decides a scope in ``status`` (None: nothing waits for a decision)."""
    return DECIDES_AT.get(status)


def approval_queue_statuses(role: str) -> list[str]:
    """The approval steps whose queue ``role`` reads: an approver its own, admins every one."""
    own = [status for status, deciding in DECIDES_AT.items() if deciding == role]
    return own or (list(DECIDES_AT) if role in WATCHES_APPROVALS else [])
