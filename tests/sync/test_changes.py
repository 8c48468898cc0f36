"""A step's changes to a shape, on their own: a client that applies them holds what its user sees."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from turns.sync.changes import diff
from turns.sync.protocol import dumps, row_key

TABLE = "vendors"
COLUMNS = ("id", "company_name", "city", "phone")
KEYS = [f"00000000-0000-0000-0000-00000000000{n}" for n in range(6)]
LSN = 4_242
TXIDS = [7, 9]

Rows = dict[str, dict[str, Any]]
values = st.none() | st.sampled_from(["A", "B", "O'Hare"])


@st.composite
def visible(draw: st.DrawFn) -> Rows:
    """What a user may see of the table: some keys, the shape's columns, text values."""
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
    return {pk: {"id": pk, **{c: draw(values) for c in COLUMNS[1:]}} for pk in keys}


@st.composite
def steps(draw: st.DrawFn) -> tuple[Rows, Rows, list[str] | None, Rows]:
    """(visible before, visible after, the keys the step read (None: all), the rows read in read order)."""
    before, after = draw(visible()), draw(visible())
    if draw(st.booleans()):
        after = {**after, **{pk: row for pk, row in before.items() if draw(st.booleans())}}  # unchanged rows
    read = draw(st.none() | st.lists(st.sampled_from(KEYS), unique=True))
    order = draw(st.permutations([pk for pk in after if read is None or pk in read]))
    return before, after, read, {pk: after[pk] for pk in order}


def _run(before: Rows, read: list[str] | None, rows: Rows, *, full: bool) -> tuple[list[dict[str, Any]], Any]:
    held = [row for pk, row in before.items() if read is None or pk in read]
    found = diff(TABLE, full=full, held=held, rows=rows, txids=TXIDS, lsn=LSN)
    return ([] if found is None else [json.loads(b) for b in found.bodies]), found


def _apply(state: Rows, messages: list[dict[str, Any]]) -> Rows:
    """What Electric's client does with the messages."""
    state = {pk: dict(row) for pk, row in state.items()}
    by_key = {row_key(TABLE, pk): pk for pk in KEYS}
    for message in messages:
        pk, operation = by_key[message["key"]], message["headers"]["operation"]
        if operation == "insert":
            state[pk] = message["value"]
        elif operation == "update":
            state[pk] = {**state[pk], **message["value"]}
        else:
            del state[pk]
    return state


@given(steps(), st.booleans())
def test_applying_the_messages_to_the_old_rows_gives_the_new(step: Any, full: bool) -> None:
    before, after, read, rows = step
    messages, found = _run(before, read, rows, full=full)
    expected = {pk: row for pk, row in before.items() if read is not None and pk not in read}
    expected |= {pk: row for pk, row in after.items() if read is None or pk in read}
    assert _apply(before, messages) == expected
    assert (found is None) == (expected == before)
    if found is not None:  # what the shape holds afterwards is the same
        stored: dict[str, str | None] = {pk: dumps(row) for pk, row in before.items()}
        stored |= dict(found.held)
        assert {pk: row for pk, row in stored.items() if row is not None} == {
            pk: dumps(row) for pk, row in expected.items()
        }
        assert found.row_delta == len(expected) - len(before)


@given(steps(), st.booleans())
def test_a_row_the_user_never_sees_sends_nothing(step: Any, full: bool) -> None:
    before, after, read, rows = step
    messages, _ = _run(before, read, rows, full=full)
    unseen = {row_key(TABLE, pk) for pk in KEYS if pk not in before and pk not in after}
    assert not unseen & {m["key"] for m in messages}


@given(steps(), st.booleans())
def test_a_row_that_leaves_the_shape_is_a_delete(step: Any, full: bool) -> None:
    before, after, read, rows = step
    messages, _ = _run(before, read, rows, full=full)
    by_key = {m["key"]: m for m in messages}
    for pk in before:
        if pk not in after and (read is None or pk in read):
            message = by_key[row_key(TABLE, pk)]
            assert message["headers"]["operation"] == "delete"
            assert message["value"] == (before[pk] if full else {"id": pk})


@given(steps(), st.booleans())
def test_only_the_shapes_columns_are_sent_and_updates_carry_what_changed(step: Any, full: bool) -> None:
    before, _, _, rows = step
    messages, _ = _run(before, None, rows, full=full)
    for message in messages:
        assert set(message["value"]) <= set(COLUMNS)
        assert set(message.get("old_value", {})) <= set(COLUMNS)
        if message["headers"]["operation"] != "update":
            continue
        pk = message["value"]["id"]
        changed = {c for c in COLUMNS if before[pk][c] != rows[pk][c]}
        assert changed
        if full:
            assert message["value"] == rows[pk]
            assert message["old_value"] == {c: before[pk][c] for c in changed}
        else:
            assert message["value"] == {"id": pk, **{c: rows[pk][c] for c in changed}}
            assert "old_value" not in message


@given(steps(), st.booleans())
def test_messages_follow_the_step_in_order(step: Any, full: bool) -> None:
    before, _, read, rows = step
    messages, _ = _run(before, read, rows, full=full)
    headers = [m["headers"] for m in messages]
    assert [h["op_position"] for h in headers] == [2 * i + 1 for i in range(len(messages))]
    assert all(h["lsn"] == str(LSN) and h["txids"] == TXIDS and h["relation"] == ["public", TABLE] for h in headers)
    assert [h.get("last", False) for h in headers] == [i == len(messages) - 1 for i in range(len(messages))]
    # rows read come in the order they were read, deletes after them
    operations = [h["operation"] for h in headers]
    assert operations == sorted(operations, key=lambda o: o == "delete")
    order = list(rows)
    read_keys = [m["value"]["id"] for m in messages if m["headers"]["operation"] != "delete"]
    assert read_keys == sorted(read_keys, key=order.index)


def test_an_update_by_default_is_the_key_and_the_changed_columns() -> None:
    old = {"id": KEYS[0], "company_name": "A", "city": None, "phone": "1"}
    new = {**old, "city": "B"}
    found = diff(TABLE, full=False, held=[old], rows={KEYS[0]: new}, txids=[3], lsn=10)
    assert found is not None
    assert found.bodies == [
        f'{{"key":"\\"public\\".\\"vendors\\"/\\"{KEYS[0]}\\"","value":{{"id":"{KEYS[0]}","city":"B"}},'
        '"headers":{"operation":"update","relation":["public","vendors"],"txids":[3],"lsn":"10","op_position":1,'
        '"last":true}}'
    ]
    assert (found.held, found.row_delta) == ([(KEYS[0], dumps(new))], 0)
    assert diff(TABLE, full=True, held=[old], rows={KEYS[0]: dict(old)}, txids=[3], lsn=10) is None
