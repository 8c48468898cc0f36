"""What a turn lacks to enter a stage (:func:`turns.workflow.transitions.missing_requirements`),
from plain values: each requirement flag of the target stage, approval gates behind it, and
the HO threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turns.workflow.transitions import missing_requirements

THRESHOLD = Decimal("5000")
STATUSES = ("PENDING", "DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVED", "REJECTED")
UNIT = settings(max_examples=300, deadline=None, database=None)


def stage(order: int, **flags: bool) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "display_order": order,
        "is_active": flags.get("is_active", True),
        "requires_approval": flags.get("requires_approval", False),
        "is_amount_required": flags.get("is_amount_required", False),
        "is_vendor_required": flags.get("is_vendor_required", False),
        "requires_utilities_on": flags.get("requires_utilities_on", False),
        "requires_final_walk": flags.get("requires_final_walk", False),
        "requires_lock_box": flags.get("requires_lock_box", False),
    }


def turn(
    amount: str | None = "100",
    change_orders: str | None = None,
    vendor: bool = True,
    status: str = "PENDING",
    **ready: Any,
) -> dict[str, Any]:
    """A turn with the utilities on, its final walk done and its lock box set unless ``ready`` says otherwise."""
    return {
        "turn_amount": None if amount is None else Decimal(amount),
        "change_order_amount": None if change_orders is None else Decimal(change_orders),
        "vendor_id": uuid4() if vendor else None,
        "scope_approval_status": status,
        "power_status": "YES",
        "water_status": "YES",
        "gas_status": "YES",
        "final_walk_date": date(2026, 4, 20),
        "final_walk_by": uuid4(),
        "lock_box_install_date": date(2026, 4, 2),
        "lock_box_location": "Front door",
    } | ready


def missing(unit: dict[str, Any], target: dict[str, Any], *gates: dict[str, Any]) -> list[str]:
    """Moving from a first stage (order 1) to ``target``, with ``gates`` in the workflow too."""
    current = stage(1)
    return missing_requirements(unit, current, target, [current, *gates, target], THRESHOLD)


def test_a_stage_without_requirements_needs_nothing() -> None:
    assert missing(turn(amount=None, vendor=False), stage(2)) == []


@pytest.mark.parametrize("amount", [None, "0"])
def test_an_amount_required_stage_needs_a_non_zero_amount(amount: str | None) -> None:
    assert missing(turn(amount=amount), stage(2, is_amount_required=True)) == ["turn_amount"]
    assert missing(turn(amount="1"), stage(2, is_amount_required=True)) == []


def test_a_vendor_required_stage_needs_a_vendor() -> None:
    assert missing(turn(vendor=False), stage(2, is_vendor_required=True)) == ["vendor_id"]
    assert missing(turn(vendor=True), stage(2, is_vendor_required=True)) == []


@pytest.mark.parametrize("utility", ["power_status", "water_status", "gas_status"])
@pytest.mark.parametrize("status", [None, "NO", "PENDING"])
def test_a_utilities_stage_needs_power_water_and_gas_on(utility: str, status: str | None) -> None:
    target = stage(2, requires_utilities_on=True)
    off = turn() | {utility: status}
    assert missing(off, target) == ["utilities_on"]
    assert missing(turn(), target) == []
    assert missing(off, stage(2)) == []


@pytest.mark.parametrize("lacking", [{"final_walk_date": None}, {"final_walk_by": None}])
def test_a_final_walk_stage_needs_the_walk_date_and_who_walked(lacking: dict[str, Any]) -> None:
    target = stage(2, requires_final_walk=True)
    assert missing(turn(**lacking), target) == ["final_walk"]
    assert missing(turn(), target) == []
    assert missing(turn(**lacking), stage(2)) == []


@pytest.mark.parametrize(
    "lacking", [{"lock_box_install_date": None}, {"lock_box_location": None}, {"lock_box_location": ""}]
)
def test_a_lock_box_stage_needs_the_install_date_and_location(lacking: dict[str, Any]) -> None:
    target = stage(2, requires_lock_box=True)
    assert missing(turn(**lacking), target) == ["lock_box"]
    assert missing(turn(), target) == []
    assert missing(turn(**lacking), stage(2)) == []


def test_every_missing_requirement_is_named_in_order() -> None:
    target = stage(
        3,
        is_amount_required=True,
        is_vendor_required=True,
        requires_utilities_on=True,
        requires_final_walk=True,
        requires_lock_box=True,
    )
    gate = stage(2, requires_approval=True)
    bare = turn(amount=None, vendor=False, gas_status="NO", final_walk_by=None, lock_box_location=None)
    assert missing(bare, target, gate) == [
        "turn_amount",
        "vendor_id",
        "utilities_on",
        "final_walk",
        "lock_box",
        "scope_approval",
    ]


@pytest.mark.parametrize("status", ["PENDING", "DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED", "REJECTED"])
def test_passing_an_approval_gate_needs_an_approved_scope(status: str) -> None:
    assert missing(turn(status=status), stage(3), stage(2, requires_approval=True)) == ["scope_approval"]


@pytest.mark.parametrize("status", ["DFO_APPROVED", "HO_APPROVED"])
def test_an_approved_scope_passes_the_gate_up_to_the_threshold(status: str) -> None:
    assert (
        missing(turn(amount="4000", change_orders="1000", status=status), stage(3), stage(2, requires_approval=True))
        == []
    )


def test_above_the_threshold_only_an_ho_approval_passes_the_gate() -> None:
    gate = stage(2, requires_approval=True)
    above: dict[str, Any] = {"amount": "4000", "change_orders": "1000.01"}
    assert missing(turn(**above, status="DFO_APPROVED"), stage(3), gate) == ["scope_approval"]
    assert missing(turn(**above, status="HO_APPROVED"), stage(3), gate) == []


def test_the_target_itself_is_no_gate() -> None:
    assert missing(turn(), stage(2, requires_approval=True)) == []


def test_an_inactive_gate_is_no_gate() -> None:
    assert missing(turn(), stage(3), stage(2, requires_approval=True, is_active=False)) == []


def test_a_gate_after_the_target_is_no_gate() -> None:
    assert missing(turn(), stage(3), stage(4, requires_approval=True)) == []


def test_moving_back_past_a_gate_needs_no_approval() -> None:
    current, gate, target = stage(5), stage(2, requires_approval=True), stage(3)
    assert missing_requirements(turn(), current, target, [stage(1), gate, target, current], THRESHOLD) == []


def test_a_gate_behind_the_current_stage_still_counts_moving_forward() -> None:
    gate, current, target = stage(1, requires_approval=True), stage(2), stage(3)
    assert missing_requirements(turn(), current, target, [gate, current, target], THRESHOLD) == ["scope_approval"]


@UNIT
@given(
    amount=st.none() | st.decimals(min_value=0, max_value=10_000, places=2),
    change_orders=st.none() | st.decimals(min_value=0, max_value=10_000, places=2),
    vendor=st.booleans(),
    status=st.sampled_from(STATUSES),
    amount_required=st.booleans(),
    vendor_required=st.booleans(),
    gate_order=st.integers(min_value=0, max_value=6),
    gate_active=st.booleans(),
    current_order=st.integers(min_value=0, max_value=6),
    target_order=st.integers(min_value=0, max_value=6),
)
def test_each_code_is_named_exactly_when_its_rule_fails(
    amount: Decimal | None,
    change_orders: Decimal | None,
    vendor: bool,
    status: str,
    amount_required: bool,
    vendor_required: bool,
    gate_order: int,
    gate_active: bool,
    current_order: int,
    target_order: int,
) -> None:
    unit = {
        "turn_amount": amount,
        "change_order_amount": change_orders,
        "vendor_id": uuid4() if vendor else None,
        "scope_approval_status": status,
    }
    current = stage(current_order)
    target = stage(target_order, is_amount_required=amount_required, is_vendor_required=vendor_required)
    gate = stage(gate_order, requires_approval=True, is_active=gate_active)

    found = missing_requirements(unit, current, target, [current, gate, target], THRESHOLD)

    gated = target_order > current_order and gate_active and gate_order < target_order
    above = (amount or 0) + (change_orders or 0) > THRESHOLD
    approved = status == "HO_APPROVED" or (status == "DFO_APPROVED" and not above)
    expected = [
        code
        for code, lacking in (
            ("turn_amount", amount_required and not amount),
            ("vendor_id", vendor_required and not vendor),
            ("scope_approval", gated and not approved),
        )
        if lacking
    ]
    assert found == expected
