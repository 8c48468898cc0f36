"""The server caps glibc's arenas, unless the operator chose a number."""

from __future__ import annotations

import subprocess
import sys

CHECK = "import os; from turns.kit.memory import limit_arenas; print(limit_arenas())"


def _limited(env: dict[str, str]) -> str:
    run = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, check=True)
    return run.stdout.strip()


def test_the_arenas_are_capped_unless_the_operator_set_them() -> None:
    assert _limited({}) == "True"
    assert _limited({"MALLOC_ARENA_MAX": "4"}) == "False"
