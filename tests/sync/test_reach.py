"""Which shapes a decoded step reaches, worked out in memory (no database): a turn reaches its
property's managers as the step leaves them, and a step that may predate the managers the engine
loaded is read as the users instead of decided."""

from __future__ import annotations

from turns.sync.capture import Batch
from turns.sync.engine import needs_full_read
from turns.sync.membership import Plan, plan
from turns.sync.pgoutput import Change, Relation
from turns.sync.reach import Managers, Router
from turns.sync.shapes import ShapeDefinition
from turns.sync.where import compile_where

PM, OTHER, COMPANY = "pm-1", "pm-2", "co-1"
HOME = "home-1"
TURNS = Relation(1, "public", "turns", ("id", "property_id", "vendor_id", "flooring_vendor_id", "wo_number"), ("id",))
PROPERTIES = Relation(2, "public", "properties", ("id", "property_manager_id", "sr_property_manager_id"), ("id",))


def _shape(role: str, user: str, vendor: str | None = None) -> ShapeDefinition:
    columns = ("id", "property_id", "vendor_id", "flooring_vendor_id", "wo_number")
    return ShapeDefinition("turns", columns, None, (), "default", "full", user, role, vendor)


def _turn(wo: str, vendor: str | None = None) -> dict[str, object]:
    return {"id": "turn-1", "property_id": HOME, "vendor_id": vendor, "flooring_vendor_id": None, "wo_number": wo}


def _step(end_lsn: int, *changes: Change) -> Plan:
    router = Router(Managers({HOME: (PM,)}, loaded_at=100))
    router.add(1, _shape("PROPERTY_MANAGER", PM))
    router.add(2, _shape("PROPERTY_MANAGER", OTHER))
    router.add(3, _shape("VENDOR", "vendor-user", COMPANY))
    batch = Batch(xids=[7], commit_lsn=end_lsn - 1, end_lsn=end_lsn)
    for change in changes:
        batch.add(change)
    return plan(batch, router, needs_full_read)


def test_a_turn_reaches_its_propertys_manager_and_its_company() -> None:
    step = _step(150, Change(TURNS, "update", new=_turn("B", COMPANY), old=_turn("A", COMPANY)))
    assert step.read == {}
    assert step.decided == {
        1: (["turn-1"], {"turn-1": _turn("B", COMPANY)}),
        3: (["turn-1"], {"turn-1": _turn("B", COMPANY)}),
    }


def test_a_turn_given_to_no_company_leaves_the_companys_shape() -> None:
    step = _step(150, Change(TURNS, "update", new=_turn("A"), old=_turn("A", COMPANY)))
    assert step.decided[3] == (["turn-1"], {})


def test_a_step_older_than_the_loaded_managers_is_read_as_the_managers() -> None:
    step = _step(100, Change(TURNS, "update", new=_turn("B"), old=_turn("A")))
    assert step.read == {1: ["turn-1"], 2: ["turn-1"]}
    assert 1 not in step.decided and 2 not in step.decided


def test_a_property_handed_over_in_the_step_reads_both_managers_in_full() -> None:
    handed: dict[str, object] = {"id": HOME, "property_manager_id": OTHER, "sr_property_manager_id": None}
    before: dict[str, object] = {"id": HOME, "property_manager_id": PM, "sr_property_manager_id": None}
    step = _step(
        150,
        Change(PROPERTIES, "update", new=handed, old=before),
        Change(TURNS, "update", new=_turn("B"), old=_turn("A")),
    )
    assert step.read == {1: None, 2: None}
    assert set(step.decided) == set()


def test_managers_follow_the_decoded_properties() -> None:
    managers = Managers({HOME: (PM,)}, loaded_at=100)
    managers.note(None, {"id": "home-2", "property_manager_id": OTHER, "sr_property_manager_id": PM})
    managers.note({"id": HOME, "property_manager_id": PM, "sr_property_manager_id": None}, None)
    assert (managers.of("home-2"), managers.of(HOME)) == ((OTHER, PM), ())
    assert (managers.current_for(100), managers.current_for(101), Managers().current_for(101)) == (False, True, False)


def test_a_row_out_of_a_shapes_where_before_and_after_does_not_concern_it() -> None:
    columns = frozenset(_turn("A"))
    where = compile_where("wo_number = $1", columns=columns, readable=columns, params={1: "A"})
    definition = ShapeDefinition(
        "turns", tuple(_turn("A")), where.sql, tuple(where.values.items()), "default", "full", "u", "ADMIN", None
    )

    def step(old: str, new: str) -> Plan:
        router = Router(Managers({HOME: (PM,)}, loaded_at=100))
        router.add(4, definition)
        batch = Batch(xids=[7], commit_lsn=149, end_lsn=150)
        batch.add(Change(TURNS, "update", new=_turn(new), old=_turn(old)))
        return plan(batch, router, needs_full_read)

    assert step("B", "C").decided == {}  # (what the shape holds of it is not even looked up)
    assert step("A", "B").decided == {4: (["turn-1"], {})}
    assert step("B", "A").decided == {4: (["turn-1"], {"turn-1": _turn("A")})}
    assert step("A", "A").decided == {4: (["turn-1"], {"turn-1": _turn("A")})}
