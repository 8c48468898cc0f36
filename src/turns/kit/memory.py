"""The server process's memory allocator, set for a server's way of allocating.

glibc gives each thread that allocates while another does an arena of its own, up to eight per
core, and keeps what it freed in each for reuse rather than returning it. The API decodes photos
and renders files in worker threads, tens of megabytes at a time: with one arena per thread, a
burst of uploads left the process several hundred megabytes larger for good (measured in
docs/benchmarks.md, photo uploads). Two arenas keep the worker threads from waiting on one lock
while bounding what stays held. ``MALLOC_ARENA_MAX`` in the environment, set by an operator,
wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's arenas for this process (call before the server starts its threads); whether
    the cap was set (not on another C library or platform, nor when the operator set one)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
