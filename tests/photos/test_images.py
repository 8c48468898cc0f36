"""How many photos a server decodes at once: its memory grows with that number, not with the
number of uploads in flight."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from tests.photos.conftest import photo_bytes
from turns.photos import images


def test_no_more_photos_are_decoded_at_once_than_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uploads = []
    for n in range(images.DECODES_AT_ONCE * 3):
        upload = tmp_path / f"upload-{n}"
        upload.write_bytes(photo_bytes(size=(600, 400)))
        uploads.append(upload)
    decoding, most = 0, 0
    lock = threading.Lock()
    decoded = images._decoded

    def counted(upload: Path) -> Image.Image:
        nonlocal decoding, most
        with lock:
            decoding += 1
            most = max(most, decoding)
        time.sleep(0.05)  # long enough for every thread to be waiting
        try:
            return decoded(upload)
        finally:
            with lock:
                decoding -= 1

    monkeypatch.setattr(images, "_decoded", counted)
    with ThreadPoolExecutor(len(uploads)) as pool:
        kept = list(pool.map(lambda u: images.keep(u, "image/jpeg", u.with_suffix(".kept")), uploads))
    assert most == images.DECODES_AT_ONCE
    assert [k.width for k in kept] == [600] * len(uploads)
