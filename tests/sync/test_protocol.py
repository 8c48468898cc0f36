"""Electric's wire format, byte for byte: what Electric's client and caches read."""

from __future__ import annotations

import json

from turns.sync import logfile, protocol
from turns.sync.offsets import INF, Offset


def test_headers_of_a_live_chunk_that_ends_up_to_date() -> None:
    found = protocol.headers(
        "12-34",
        protocol.CachePolicy().live(shared=True),
        offset=Offset(2_345, 7),
        schema='{"id":{"type":"uuid"}}',
        cursor="9",
        up_to_date=True,
    )
    assert found == {
        "electric-handle": "12-34",
        "cache-control": "private, max-age=5, stale-while-revalidate=5",
        "vary": "Authorization, Cookie",
        "access-control-expose-headers": (
            "electric-handle, electric-offset, electric-schema, electric-cursor, electric-up-to-date, "
            "electric-has-data, electric-snapshot, retry-after"
        ),
        "electric-offset": "2345_7",
        "electric-schema": '{"id":{"type":"uuid"}}',
        "electric-cursor": "9",
        "electric-up-to-date": "",
    }


def test_a_409_names_only_the_handle_and_a_subset_says_it_is_a_snapshot() -> None:
    refetch = protocol.headers("h", protocol.CachePolicy().refetch(shared=False))
    assert list(refetch) == ["electric-handle", "cache-control", "vary", "access-control-expose-headers"]
    assert refetch["cache-control"] == "private, max-age=60, must-revalidate"
    subset = protocol.headers("h", protocol.NO_STORE, offset=Offset(0, INF), schema="{}", snapshot=True)
    assert (subset["electric-offset"], subset["electric-snapshot"]) == ("0_inf", "true")
    assert "electric-cursor" not in subset and "electric-up-to-date" not in subset


def test_cache_control_by_kind_of_response() -> None:
    private = protocol.CachePolicy()
    for shared in (False, True):
        assert private.snapshot(shared) == "private, max-age=604800, stale-while-revalidate=2629746"
        assert private.chunk(shared) == "private, max-age=60, stale-while-revalidate=300"
        assert private.log(shared) == "private, max-age=60"
        assert private.live(shared) == "private, max-age=5, stale-while-revalidate=5"
        assert private.refetch(shared) == "private, max-age=60, must-revalidate"


def test_shared_shapes_may_be_public_with_their_own_ages() -> None:
    """As Electric answers: public, with an hour's limit for shared caches on the snapshot; a user's
    own shape stays private whatever the setting."""
    public = protocol.CachePolicy(max_age=3_600, stale_age=600, public_shared=True)
    assert public.snapshot(True) == "public, max-age=3600, s-maxage=3600, stale-while-revalidate=600"
    assert public.snapshot(False) == "private, max-age=3600, stale-while-revalidate=600"
    assert public.refetch(True) == "public, max-age=60, must-revalidate"
    assert public.log(True) == "public, max-age=60"
    assert public.live(False) == "private, max-age=5, stale-while-revalidate=5"


def test_the_cursor_is_a_20_second_bucket_never_the_one_sent() -> None:
    assert protocol.cursor(None, 1_000.0) == "50"
    assert protocol.cursor("49", 1_019.9) == "50"
    assert protocol.cursor("50", 1_000.0) == "51"


def test_control_messages() -> None:
    assert protocol.up_to_date(42) == '{"headers": {"control": "up-to-date", "global_last_seen_lsn": "42"}}'
    assert json.dumps(protocol.MUST_REFETCH, separators=(",", ":")) == '[{"headers":{"control":"must-refetch"}}]'
    assert protocol.MUST_REFETCH_MESSAGE == '{"headers": {"control": "must-refetch"}}'
    assert protocol.snapshot_end("100:105:101,103") == (
        '{"headers":{"control":"snapshot-end","xmin":"100","xmax":"105","xip_list":["101","103"]}}'
    )
    assert protocol.snapshot_fields("7:7:") == {"xmin": "7", "xmax": "7", "xip_list": []}


def test_last_seen_is_past_the_last_logged_message_never_a_snapshots() -> None:
    assert protocol.last_seen(10, None) == 10
    assert protocol.last_seen(10, Offset(0, 40)) == 10  # a snapshot's offsets carry no LSN
    assert protocol.last_seen(10, Offset(500, 3)) == 501
    assert protocol.last_seen(900, Offset(500, 3)) == 900


def test_keys_double_a_slash() -> None:
    assert protocol.row_key("turns", "a/b") == '"public"."turns"/"a//b"'


def test_changes() -> None:
    middle = protocol.change(
        {"key": "k", "value": {"id": "1"}}, "delete", table="vendors", txids=[5, 9], lsn=77, index=1, last=False
    )
    assert middle == (
        '{"key":"k","value":{"id":"1"},"headers":{"operation":"delete","relation":["public","vendors"],'
        '"txids":[5,9],"lsn":"77","op_position":3}}'
    )
    last = protocol.change({"key": "k"}, "update", table="vendors", txids=[5], lsn=77, index=2, last=True)
    assert last.endswith('"op_position":5,"last":true}}')


def test_bodies_from_lines_of_the_log_and_events() -> None:
    lines = logfile.encode('{"a":1}') + logfile.encode('{"b":2}')
    assert lines == b'{"a":1},\n{"b":2},\n'
    assert logfile.body(b"", []) == b"[]"
    assert logfile.body(lines, []) == b'[{"a":1},\n{"b":2}]'
    assert logfile.body(lines, ['{"c":3}']) == b'[{"a":1},\n{"b":2},\n{"c":3}]'
    assert logfile.body(b"", ['{"c":3}', '{"d":4}']) == b'[{"c":3},{"d":4}]'
    assert logfile.messages(lines) == [b'{"a":1}', b'{"b":2}']
    assert protocol.sse_event('{"a":1}') == 'data: {"a":1}\n\n'
    assert protocol.KEEP_ALIVE == ": keep-alive\n\n"


def test_etags_name_the_handle_and_both_offsets() -> None:
    assert protocol.etag("12-34", "-1", Offset(0, 0), unique=False) == "12-34:-1:0_0"
    assert protocol.etag("12-34", "0_0", Offset(0, INF), unique=False) == "12-34:0_0:0_inf"
    empty = protocol.etag("12-34", "9_1", Offset(9, 1), unique=True)
    assert empty.startswith("12-34:9_1:9_1:") and empty != protocol.etag("12-34", "9_1", Offset(9, 1), unique=True)
    assert protocol.headers("h", protocol.CachePolicy().log(False), etag="h:-1:0_0")["etag"] == '"h:-1:0_0"'
    assert protocol.if_none_match('"a:1", W/"b" ,c') == ["a:1", 'W/"b', "c"]
    assert protocol.if_none_match(None) == []


def test_a_subset_answer() -> None:
    metadata = {"xmin": "1", "xmax": "2", "xip_list": [], "database_lsn": "8", "snapshot_mark": 3}
    assert protocol.subset_body("turns", [("k", '{"id":"1"}')], metadata) == (
        '{"metadata":{"xmin":"1","xmax":"2","xip_list":[],"database_lsn":"8","snapshot_mark":3},'
        '"data":[{"key":"k","value":{"id":"1"},'
        '"headers":{"operation":"insert","relation":["public","turns"],"snapshot_mark":3}}]}'
    )
    assert protocol.subset_body("turns", [], metadata).endswith('"data":[]}')


def test_a_refused_request_reads_as_electrics_error() -> None:
    assert protocol.invalid("where", "unknown column 'x'") == {
        "message": "Invalid request",
        "errors": {"where": ["unknown column 'x'"]},
    }
