"""Where a benchmark's API process spends its time: py-spy samples it while the benchmark
runs (without pausing it for each sample, which would add to the latencies the benchmark
measures beside it), writes a flame graph (SVG, open it in a browser), and the samples are summed here by
the library each one was in (self time: the innermost frame of the sample)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FRAME = re.compile(
    r'<g><title>(?P<title>[^<]*)</title><rect x="[^"]*" y="(?P<y>\d+)"[^>]*fg:x="(?P<x>\d+)" fg:w="(?P<w>\d+)"'
)
SAMPLES = re.compile(r" \([\d,]+ samples?, [\d.]+%\)$")
# The first match names the part; frames of none of them are "other".
PARTS = (
    ("Condition.wait", "idle threads"),
    ("EpollSelector.select", "idle event loop (waiting for the network)"),
    ("argon2", "argon2 password hashing"),
    ("psycopg", "psycopg (PostgreSQL driver)"),
    ("sqlalchemy", "SQLAlchemy"),
    ("pydantic", "pydantic"),
    ("fastapi", "FastAPI"),
    ("starlette", "Starlette"),
    ("uvicorn", "uvicorn and h11 (HTTP)"),
    ("h11", "uvicorn and h11 (HTTP)"),
    ("asyncio", "asyncio"),
    ("turns/", "Turns' own code"),
)


@contextmanager
def profiled(pid: int, output: Path) -> Iterator[None]:
    """Sample the process ``pid`` with py-spy while the block runs; a flame graph in ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--output", str(output)),
            *("--format", "flamegraph", "--rate", "200", "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes the graph when it is interrupted
        _, errors = spy.communicate(timeout=120)
        if not output.exists():
            raise RuntimeError(f"py-spy wrote no profile: {errors.decode()[-2000:]}")


def _part(frame: str) -> str:
    lowered = frame.lower()
    return next((part for key, part in PARTS if key.lower() in lowered), "other")


def summary(graph: Path) -> dict[str, float]:
    """Share of the samples (percent) whose innermost frame is in each part, largest first."""
    frames = [
        (int(m["y"]), int(m["x"]), int(m["w"]), SAMPLES.sub("", m["title"])) for m in FRAME.finditer(graph.read_text())
    ]
    rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for y, x, w, _ in frames:
        rows[y].append((x, w))
    depths = sorted(rows)
    step = depths[1] - depths[0] if len(depths) > 1 else 16
    total = max(w for _, _, w, _ in frames)
    own: dict[str, int] = defaultdict(int)
    for y, x, w, name in frames:
        # The graph hangs down from its root: a frame's callees are the row below, inside its span.
        callees = sum(cw for cx, cw in rows.get(y + step, []) if x <= cx and cx + cw <= x + w)
        own[_part(name)] += w - callees
    shares = {part: round(100 * samples / total, 1) for part, samples in own.items()}
    return dict(sorted(shares.items(), key=lambda item: -item[1]))
