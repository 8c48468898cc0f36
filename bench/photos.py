"""Photo uploads through the API against the same bytes written to the photo store directly.

Clients upload JPEGs of random noise (so they are as large as phone photos and compress no
smaller) to ``POST /api/v1/turns/{id}/photos`` of an API process of its own, whose photo store
is a temporary folder; the baseline writes the same files, with as many clients, through
:class:`turns.photos.storage.PhotoStore` to a local store of its own. The API does more than
store the bytes: it receives the body to a file, decodes the whole image and writes it anew
without its metadata, and records the photo and its sizes job. While the uploads run the API
process's resident memory is sampled, to show that a body is streamed to disk, never held:
the peak depends on how many photos are in flight (each one's decoded pixels), not on how many
were sent. Then the queued size jobs run in a job worker (as ``turns worker`` runs them), timed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
from PIL import Image

from bench.api import turns_of, user_id_of
from bench.harness import ROOT, Environment, api_process, run_line
from bench.load import run_load
from turns.config import Settings
from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls
from turns.jobs import queue as jobs_queue
from turns.jobs.context import WorkerResources, additional_context
from turns.jobs.worker import CONCURRENCY, connector
from turns.photos.storage import open_store

BYTES_PER_PIXEL = 0.9
"""About what a JPEG of RGB noise at quality 90 takes per pixel."""


def noise_photos(folder: Path, count: int, size_bytes: int) -> list[Path]:
    """``count`` distinct JPEGs of about ``size_bytes`` each, made once and kept in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pixels = size_bytes / BYTES_PER_PIXEL
    width = int((pixels * 4 / 3) ** 0.5)
    height = int(pixels / width)
    made = []
    for index in range(count):
        path = folder / f"noise-{size_bytes}-{index}.jpg"
        if not path.exists():
            image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
            image.save(path.with_suffix(".part"), "JPEG", quality=90)
            path.with_suffix(".part").rename(path)
        made.append(path)
    return made


def _assigned(files: list[str], client: int, per_client: int, n: int) -> str:
    return files[(client * per_client + n) % len(files)]


@dataclass(frozen=True)
class ApiUpload:
    base_url: str
    token: str
    turn_ids: list[str]
    files: list[str]
    per_client: int
    caption: str

    def __call__(self, client: int) -> Callable[[], None]:
        http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=300)
        turn = self.turn_ids[client % len(self.turn_ids)]
        state = {"n": 0}

        def operation() -> None:
            path = _assigned(self.files, client, self.per_client, state["n"])
            state["n"] += 1
            with open(path, "rb") as body:  # streamed from the file, as a phone's upload would be
                response = http.post(
                    f"/api/v1/turns/{turn}/photos",
                    content=body,
                    params={"caption": self.caption, "phase": "before"},
                    headers={"Content-Type": "image/jpeg"},
                )
            response.raise_for_status()

        return operation


@dataclass(frozen=True)
class DirectPut:
    store_url: str
    files: list[str]
    per_client: int

    def __call__(self, client: int) -> Callable[[], None]:
        store = open_store(self.store_url)
        loop = asyncio.new_event_loop()
        state = {"n": 0}

        def operation() -> None:
            path = _assigned(self.files, client, self.per_client, state["n"])
            state["n"] += 1
            loop.run_until_complete(store.put(f"photos/direct/{client}-{state['n']}/original", Path(path)))

        return operation


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


@dataclass
class Memory:
    idle_kb: int
    peak_kb: int = 0
    end_kb: int = 0
    samples: list[int] = dataclasses.field(default_factory=list)

    def quarter_peaks_mb(self) -> list[float]:
        """The highest sample in each quarter of the run: level if memory does not grow with photos sent."""
        size = max(1, -(-len(self.samples) // 4))
        return [round(max(self.samples[i : i + size]) / 1024, 1) for i in range(0, len(self.samples), size)]


@contextmanager
def watched(pid: int, every: float = 0.02) -> Iterator[Memory]:
    """The process's resident memory while the block runs: before, the highest (its kernel
    high-water mark, reset first, and samples every ``every`` s) and after."""
    with suppress(OSError), open(f"/proc/{pid}/clear_refs", "w") as reset:
        reset.write("5")  # resets VmHWM to the current RSS (Linux 4.0+); else it is the lifetime's
    memory = Memory(idle_kb=_status_kb(pid, "VmRSS"))
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            memory.samples.append(_status_kb(pid, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield memory
    finally:
        done.set()
        sampler.join()
        memory.peak_kb = max([*memory.samples, _status_kb(pid, "VmHWM")])
        memory.end_kb = _status_kb(pid, "VmRSS")


def run_jobs(urls: DatabaseUrls, settings: Settings) -> float:
    """Run every queued job to the end in a worker as ``turns worker`` runs it; the seconds it took."""

    async def work() -> float:
        database = Database.connect(urls, pool_size=2 + CONCURRENCY)
        app = jobs_queue.build(connector(urls))
        try:
            async with app.open_async():
                started = time.perf_counter()
                await app.run_worker_async(
                    wait=False,
                    concurrency=CONCURRENCY,
                    install_signal_handlers=False,
                    delete_jobs="successful",
                    additional_context=additional_context(WorkerResources(database, settings)),
                )
                return time.perf_counter() - started
        finally:
            await database.dispose()

    return asyncio.run(work())


def _photos_of(urls: DatabaseUrls, caption: str) -> tuple[int, int, int]:
    """The photos of the run: how many, their kept bytes, and how many have their sizes."""
    with psycopg.connect(urls.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        row = conn.execute(
            "SELECT count(*), coalesce(sum(byte_size), 0), count(*) FILTER (WHERE sizes_ready)"
            " FROM photos WHERE caption = %s",
            (caption,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _forget(urls: DatabaseUrls, caption: str) -> None:
    """Remove the run's photo rows (their files went with the temporary store)."""
    with psycopg.connect(urls.app) as conn:  # as the system user, whom the purge policy lets delete
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        keys = conn.execute("DELETE FROM photos WHERE caption = %s RETURNING storage_key", (caption,)).fetchall()
        conn.execute("DELETE FROM photo_blobs_gone WHERE storage_key = ANY(%s)", ([k for (k,) in keys],))


def _files_in(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


def _rate(count: int, size_bytes: int, seconds: float) -> dict[str, float]:
    return {
        "photos": count,
        "seconds": round(seconds, 2),
        "photos_per_s": round(count / seconds, 2) if seconds else 0.0,
        "mb_per_s": round(size_bytes / 1e6 / seconds, 1) if seconds else 0.0,
    }


def measure(
    urls: DatabaseUrls,
    token: str,
    turn_ids: list[str],
    inputs: Path,
    *,
    photos: int,
    size_bytes: int,
    clients: int,
    processes: int = 2,
    **api_settings: str,
) -> dict[str, Any]:
    """Upload ``photos`` noise JPEGs of about ``size_bytes`` with ``clients`` clients through the
    API and directly to a store (clients in ``processes`` processes); their throughput, the API's
    memory, and the size jobs'."""
    per_client = -(-photos // clients)
    files = noise_photos(inputs, clients * per_client, size_bytes)
    sent = sum(path.stat().st_size for path in files)
    caption = f"benchmark {uuid4()}"
    load = partial(run_load, clients=clients, requests_per_client=per_client, seconds=900, processes=processes)
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as scratch:
        data_dir, direct_store = Path(scratch) / "api", Path(scratch) / "direct"
        store_url = (data_dir / "photos").as_uri()
        job_settings = dataclasses.replace(Settings.from_env(), data_dir=data_dir, photo_store=store_url)
        run_jobs(urls, job_settings)  # jobs queued before, so that only this run's are timed below
        settings = {"TURNS_SYNC": "false", **api_settings}
        with api_process(urls, data_dir, **settings) as (base_url, pid):
            upload = ApiUpload(base_url, token, turn_ids, [str(f) for f in files], per_client, caption)
            with watched(pid) as memory:
                api = load(upload)
        stored, kept_bytes, _ = _photos_of(urls, caption)
        stored_files = _files_in(data_dir / "photos")
        direct = load(DirectPut(direct_store.as_uri(), [str(f) for f in files], per_client))
        direct_files = _files_in(direct_store)
        job_seconds = run_jobs(urls, job_settings)
        _, _, sized = _photos_of(urls, caption)
        sized_files = _files_in(data_dir / "photos")
    _forget(urls, caption)
    uploaded = len(api.latencies_ms) * sent / len(files)
    written = len(direct.latencies_ms) * sent / len(files)
    api_rate = _rate(len(api.latencies_ms), round(uploaded), api.seconds) | api.summary()
    direct_rate = _rate(len(direct.latencies_ms), round(written), direct.seconds) | direct.summary()
    return {
        "clients": clients,
        "photo_mb": round(sent / len(files) / 1e6, 2),
        "sent_mb": round(sent / 1e6, 1),
        "api": api_rate | {"stored_rows": stored, "stored_files": stored_files, "kept_mb": round(kept_bytes / 1e6, 1)},
        "direct": direct_rate | {"stored_files": direct_files},
        "throughput_ratio": round(api_rate["mb_per_s"] / direct_rate["mb_per_s"], 3) if written else None,
        "api_memory": {
            "rss_mb_idle": round(memory.idle_kb / 1024, 1),
            "rss_mb_peak": round(memory.peak_kb / 1024, 1),
            "rss_mb_after": round(memory.end_kb / 1024, 1),
            "rss_mb_peak_by_quarter": memory.quarter_peaks_mb(),
        },
        "size_jobs": _rate(sized, kept_bytes, job_seconds) | {"concurrency": CONCURRENCY, "files": sized_files},
    }


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    clients = 2 if smoke else 10
    email = env.users["PROPERTY_MANAGER"]
    turns = turns_of(env, user_id_of(env, email), clients)
    inputs = ROOT / ".turns" / "bench-photo-inputs"
    if smoke:
        return measure(env.urls, env.token(email), turns, inputs, photos=6, size_bytes=200_000, clients=clients)
    return measure(env.urls, env.token(email), turns, inputs, photos=100, size_bytes=5_000_000, clients=clients)


def render_photos(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    api, direct, memory, jobs = data["api"], data["direct"], data["api_memory"], data["size_jobs"]
    return [
        "",
        "### Photo uploads",
        "",
        run_line(data),
        "",
        f"{api['photos']} JPEGs of random noise ({data['photo_mb']} MB each, {data['sent_mb']} MB in all), "
        f"{data['clients']} clients at once, each to a turn of its own; direct: the same files written by as "
        "many clients through the photo store interface (`PhotoStore.put`, local folder). The API also decodes "
        "each image whole and writes it anew without its metadata, records the photo and queues its sizes.",
        "",
        "| path | photos | MB/s | photos/s | p50 / p95 s per photo |",
        "| --- | --- | --- | --- | --- |",
        f"| `POST /api/v1/turns/{{id}}/photos` | {api['photos']} | {api['mb_per_s']} | {api['photos_per_s']} | "
        f"{round(api['p50_ms'] / 1000, 2)} / {round(api['p95_ms'] / 1000, 2)} |",
        f"| `PhotoStore.put` directly | {direct['photos']} | {direct['mb_per_s']} | {direct['photos_per_s']} | "
        f"{round(direct['p50_ms'] / 1000, 3)} / {round(direct['p95_ms'] / 1000, 3)} |",
        "",
        f"API / direct: {data['throughput_ratio']}x the throughput. Stored: {api['stored_rows']} rows, "
        f"{api['stored_files']} files ({api['kept_mb']} MB kept).",
        "",
        f"The API process's resident memory: {memory['rss_mb_idle']} MB before, a peak of {memory['rss_mb_peak']} MB "
        f"(kernel high-water mark and 20 ms samples; the highest sample in each quarter of the run: "
        f"{' / '.join(str(mb) for mb in memory['rss_mb_peak_by_quarter'])} MB), {memory['rss_mb_after']} MB after, "
        f"while {data['sent_mb']} MB went through it. That is about "
        f"{round((memory['rss_mb_peak'] - memory['rss_mb_idle']) / data['clients'])} MB per photo in flight against "
        f"{data['photo_mb']} MB per body: bodies are streamed to disk; the memory is the images being decoded "
        "whole to be written anew without their metadata (a few at a time, `images.DECODES_AT_ONCE`) and what "
        "the allocator keeps of them (its arenas capped, `turns.kit.memory`). It stays level however many "
        "photos are sent.",
        "",
        f"Size jobs (display and thumbnail WebP of each photo, a worker of {jobs['concurrency']}): "
        f"{jobs['photos']} photos in {jobs['seconds']} s, {jobs['photos_per_s']} photos/s ({jobs['mb_per_s']} MB/s "
        "of originals).",
    ]
