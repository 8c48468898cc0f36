"""The server caps glibc's arenas, unless the operator chose a number; it settles the cycle
collector of its own process, never that of a program it runs inside."""

from __future__ import annotations

import subprocess
import sys

ARENAS = "from turns.kit.memory import limit_arenas; print(limit_arenas())"
COLLECTOR = """
import gc, threading
from turns.kit.memory import COLLECT_AFTER, settle_collector
before = gc.get_freeze_count()  # (3.12 starts with objects frozen)
found = []
thread = threading.Thread(target=lambda: found.append(settle_collector()))
thread.start(); thread.join()
print(found[0], gc.get_threshold()[0], gc.get_freeze_count() > before)
print(settle_collector(), gc.get_threshold()[0] == COLLECT_AFTER, gc.get_freeze_count() > before)
"""


def _run(code: str, env: dict[str, str] | None = None) -> list[str]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return run.stdout.strip().splitlines()


def test_the_arenas_are_capped_unless_the_operator_set_them() -> None:
    assert _run(ARENAS, {}) == ["True"]
    assert _run(ARENAS, {"MALLOC_ARENA_MAX": "4"}) == ["False"]


def test_the_collector_is_settled_by_the_main_thread_only() -> None:
    in_a_thread, in_the_main_thread = _run(COLLECTOR)
    assert in_a_thread == "False 700 False"
    assert in_the_main_thread == "True True True"
