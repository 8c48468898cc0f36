"""Request ids are unique: within a process (a count) and across processes, forked ones included
(a random half drawn by each)."""

from __future__ import annotations

import os
import re

from turns.kit.requests import new_id


def test_ids_are_32_hex_digits_and_never_repeat() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_a_forked_process_draws_its_own_half() -> None:
    parent = new_id()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # (the child writes its first id and ends at once)
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    forked = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(child, 0)
    assert len(forked) == 32
    assert forked[:16] != parent[:16]
