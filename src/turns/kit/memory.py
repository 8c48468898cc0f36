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
import gc
import os
import sys
import threading

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


COLLECT_AFTER = 20_000
"""New container objects between two young-generation collections (Python's default: 700)."""


def settle_collector() -> bool:
    """Tell the cycle collector that startup is over (call once the app is ready to serve);
    whether it was told.

    A server holding a thousand long-polls allocates a few dozen objects a request: at Python's
    default thresholds the collector ran about a hundred times a second and walked every object
    left from startup (modules, the app, caches) each time it reached the oldest generation,
    measured at a third of the process's CPU while 1,000 clients followed one shape
    (docs/sync.md). Objects alive now are moved out of its reach for good (``gc.freeze``,
    as forking servers do), and young objects are collected less often; reference counting
    still frees everything that is not in a cycle at once.

    The collector belongs to the process: only a server running in the main thread (``turns
    serve`` and its workers) settles it. One run in a thread of another program (a test
    session, say) leaves the host's collector as the host set it.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(COLLECT_AFTER, middle, old)
    return True
