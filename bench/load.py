"""Load generation in separate processes on loopback, bounded in count and time.

A run starts ``clients`` concurrent clients spread over worker processes (threads in
each), each repeating one operation until it has done ``requests_per_client`` or
``seconds`` have passed, and returns every latency, and the CPU time the whole machine spent on
it (on a machine the server and its clients share, what bounds the throughput): its busy time
during the load less what it was busy with before the load began (a profiler sampling the
server, PostgreSQL's background work), at the rate measured for :data:`BACKGROUND_S`.
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import psutil

# An operation factory runs in the worker process: it receives the client index and
# returns a callable doing one operation (raising on failure).
OperationFactory = Callable[[int], Callable[[], None]]


@dataclass(frozen=True)
class LoadResult:
    clients: int
    latencies_ms: list[float]
    errors: int
    seconds: float
    cpu_seconds: float = 0.0
    """CPU time the machine's processors spent on the load (every process, every core), above the
    background they were busy with before it began."""

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, float]:
        return {
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "throughput_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
            "cpu_ms_per_op": round(self.cpu_seconds / len(self.latencies_ms) * 1000, 2) if self.latencies_ms else 0.0,
        }


def _worker(
    factory: OperationFactory, first_client: int, threads: int, count: int, seconds: float, start_at: float
) -> tuple[list[float], int, float, float]:
    """The clients' latencies and errors, and when the first began and the last ended (epoch seconds)."""
    latencies: list[float] = []
    errors = 0
    window = [float("inf"), 0.0]
    lock = threading.Lock()
    operations = [factory(first_client + i) for i in range(threads)]

    def loop(operation: Callable[[], None]) -> None:
        nonlocal errors
        local: list[float] = []
        failed = 0
        while time.time() < start_at:
            time.sleep(0.001)
        began = time.time()
        deadline = time.monotonic() + seconds
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                operation()
            except Exception:
                failed += 1
                continue
            local.append((time.perf_counter() - started) * 1000)
        ended = time.time()
        with lock:
            latencies.extend(local)
            errors += failed
            window[0], window[1] = min(window[0], began), max(window[1], ended)

    workers = [threading.Thread(target=loop, args=(op,)) for op in operations]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors, window[0], window[1]


def _ready(factory: OperationFactory) -> None:
    """Nothing, once ``factory`` (and so what it imports) is loaded in a worker process; the pause
    keeps one worker from taking every warm-up."""
    time.sleep(0.05)


START_DELAY_S = 0.1
"""How long after a load is started its clients begin (its worker processes being up, their clients
made: a client that is not ready yet begins late, and the load's time counts from the first to begin)."""

_pools: dict[int, ProcessPoolExecutor] = {}


def _pool(processes: int) -> tuple[ProcessPoolExecutor, int]:
    """Worker processes kept for the whole run, and how many: a spawned interpreter takes seconds to
    import the benchmarks, so they are started once and every load reuses them (a load on fewer
    processes runs on a larger pool's)."""
    size = min((size for size in _pools if size >= processes), default=processes)
    pool = _pools.get(size)
    if pool is None:
        pool = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"))
        _pools[size] = pool
        atexit.register(pool.shutdown)
    return pool, size


def _import(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def start_workers(modules: tuple[str, ...], processes: int = 2) -> None:
    """Start the worker processes of the loads now, each importing ``modules`` (where the operations
    they will run are defined), while the run does other work (a data set loading, an API process
    starting)."""
    pool, size = _pool(processes)
    for _ in range(size):
        pool.submit(_import, modules)


def run_load(
    factory: OperationFactory, *, clients: int, requests_per_client: int, seconds: float, processes: int = 2
) -> LoadResult:
    processes = max(1, min(processes, clients))
    share = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    starts = [sum(share[:i]) for i in range(processes)]
    pool, size = _pool(processes)
    for warm_up in [pool.submit(_ready, factory) for _ in range(size)]:
        warm_up.result(timeout=120)
    background = _busy_rate(BACKGROUND_S)
    busy_before, began = _busy_seconds(), time.monotonic()
    start_at = time.time() + START_DELAY_S  # every client starts at once
    futures = [
        pool.submit(_worker, factory, starts[i], share[i], requests_per_client, seconds, start_at)
        for i in range(processes)
        if share[i]
    ]
    results = [f.result(timeout=seconds + 120) for f in futures]
    busy = max(0.0, _busy_seconds() - busy_before - background * (time.monotonic() - began))
    # From the first operation to the end of the last: a worker process slow to start (imports on a
    # busy machine) delays its clients without counting as time the others spent working.
    elapsed = max(0.001, max(r[3] for r in results) - min(r[2] for r in results))
    latencies = [lat for lats, *_ in results for lat in lats]
    return LoadResult(clients, latencies, sum(r[1] for r in results), min(elapsed, seconds + 60), busy)


BACKGROUND_S = 0.5
"""How long the machine's background CPU use is measured before each load."""


def _busy_rate(seconds: float) -> float:
    """The machine's busy CPU seconds per second over the next ``seconds``."""
    before = _busy_seconds()
    time.sleep(seconds)
    return (_busy_seconds() - before) / seconds


def _busy_seconds() -> float:
    """The machine's CPU time so far, every core, not idle: in programs and the kernel for them
    (time the hypervisor gave other machines, ``steal``, is not ours)."""
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0))
