"""The action rules name real roles, and the approval steps route to the right approver."""

from __future__ import annotations

import pytest

from turns.access import actions
from turns.access.roles import ROLES


def test_every_rule_names_only_real_roles() -> None:
    named = {name: value for name, value in vars(actions).items() if isinstance(value, frozenset)}
    assert {name for name, roles in named.items() if not roles <= set(ROLES)} == set()
    assert set(actions.DECIDES_AT.values()) <= set(ROLES)
    assert actions.NEW_USER_ROLE in ROLES


@pytest.mark.parametrize(
    ("status", "role"),
    [
        ("DFO_APPROVAL_NEEDED", "DFO_APPROVER"),
        ("HO_APPROVAL_NEEDED", "HO_APPROVER"),
        ("PENDING", None),
        ("DFO_APPROVED", None),
        ("HO_APPROVED", None),
        ("REJECTED", None),
    ],
)
def test_each_waiting_step_has_one_decider(status: str, role: str | None) -> None:
    assert actions.decider(status) == role


def test_an_approver_queues_its_own_step_and_admins_watch_both() -> None:
    queues = {role: actions.approval_queue_statuses(role) for role in ROLES}
    assert queues == {
        "SUPER_ADMIN": ["DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED"],
        "ADMIN": ["DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED"],
        "PROPERTY_MANAGER": [],
        "SR_PROPERTY_MANAGER": [],
        "VENDOR": [],
        "INSPECTOR": [],
        "DFO_APPROVER": ["DFO_APPROVAL_NEEDED"],
        "HO_APPROVER": ["HO_APPROVAL_NEEDED"],
        "USER": [],
    }


def test_the_roles_that_see_every_row() -> None:
    assert {"SUPER_ADMIN", "ADMIN", "DFO_APPROVER", "HO_APPROVER", "INSPECTOR"} == actions.SEES_EVERY_ROW
