"""Children that end with the process that started them.

``turns serve --workers N`` starts API workers, the sync engine and the background work as
children. Stopped, it stops them; killed (``kill -9``, the out-of-memory killer), it could
not, and they would go on serving, holding connections and the engine's slot. Each child
therefore asks Linux to send it SIGTERM when its parent ends (``PR_SET_PDEATHSIG``), which
it handles as an orderly stop.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

SUPERVISOR = "TURNS_SUPERVISOR_PID"
"""Set by the supervisor in its children's environment: its process id."""
_PR_SET_PDEATHSIG = 1
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""Where the workers of one server keep their Prometheus figures (prometheus-client's own variable)."""


def supervised_environment() -> dict[str, str]:
    """What a child of this process needs in its environment to end with it."""
    return {SUPERVISOR: str(os.getpid())}


def supervisor_pid() -> int | None:
    """The supervisor's process id when this process is one of its children."""
    raw = os.environ.get(SUPERVISOR)
    return int(raw) if raw else None


def end_with_supervisor() -> bool:
    """In a child of a supervisor (see :data:`SUPERVISOR`): have SIGTERM sent to this process when
    the supervisor ends, or send it now if it has already ended. Whether this process is one."""
    supervisor = supervisor_pid()
    if supervisor is None or not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is not None:
        ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != supervisor:
        os.kill(os.getpid(), signal.SIGTERM)
    return True
