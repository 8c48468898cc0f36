"""What an uploaded photo is, and the image Turns keeps of it (Pillow, pillow-heif).

A photo is accepted by its content, never by its name or declared type: the first bytes
say JPEG, PNG, WebP or HEIC (iPhones), a declared type that says otherwise is refused, and
the whole image must decode (a truncated file is refused) within :data:`MAX_PIXELS` (a
decompression bomb is refused before it is decoded). The kept image is written anew from
the decoded pixels, turned upright by its orientation tag: nothing of the file's metadata
(GPS position, camera, time, thumbnails) survives. HEIC becomes JPEG, which every browser
shows. The colour profile is kept, so colours look the same.

Everything here is blocking work on files: callers run it in a worker thread. A decoded
photo takes about 4 bytes a pixel (a 12-megapixel photo about 50 MB), so at most
:data:`DECODES_AT_ONCE` are decoded at once in a process, whatever the number of uploads:
the server's memory is bounded by that, not by how many people send photos.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

MAX_PIXELS = 64_000_000
"""The largest photo, in pixels (a 48-megapixel phone photo is about 49 million)."""
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
"""Pillow's own bomb check, at the same limit (it refuses outright past twice that)."""

DECODES_AT_ONCE = max(1, min(4, os.cpu_count() or 1))
"""Photos decoded at once (more would not go faster than the cores allow, only take memory)."""
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)

SIZES = {"display": 1600, "thumb": 400}
"""The longest side of each smaller copy made for screens (WebP)."""
SIZE_TYPE = "image/webp"

_KEPT = {"JPEG": ("JPEG", "image/jpeg"), "PNG": ("PNG", "image/png"), "WEBP": ("WEBP", "image/webp")}
_KEPT["HEIF"] = _KEPT["JPEG"]
_UPLOADED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
_DECLARED = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
    "image/heic-sequence": "HEIF",
}
_UNDECLARED = {"", "application/octet-stream"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"mif1", b"msf1"}
_LABELS = {"JPEG": "a JPEG", "PNG": "a PNG", "WEBP": "a WebP image", "HEIF": "a HEIC photo"}


class PhotoRefused(ValueError):
    """The upload is not a photo Turns keeps; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Kept:
    path: Path
    content_type: str
    uploaded_type: str
    width: int
    height: int
    byte_size: int


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file announce (Pillow's name), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _declared(content_type: str | None) -> str | None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _UNDECLARED:
        return None
    found = _DECLARED.get(media)
    if found is None:
        raise PhotoRefused(415, f"a photo must be sent as JPEG, PNG, WebP or HEIC, not {media}")
    return found


def keep(upload: Path, declared_type: str | None, target: Path) -> Kept:
    """The image Turns keeps of ``upload``, written to ``target``; :class:`PhotoRefused` when it
    is not a whole photo of an accepted type and size."""
    with upload.open("rb") as file:
        found = sniff(file.read(16))
    if found is None:
        raise PhotoRefused(415, "the file is not a photo: send a JPEG, PNG, WebP or HEIC image")
    declared = _declared(declared_type)
    if declared is not None and declared != found:
        raise PhotoRefused(415, f"the file is {_LABELS[found]} but was sent as {declared_type}")
    fmt, content_type = _KEPT[found]
    with _decoding:
        image = _decoded(upload)
        upright = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        profile = image.info.get("icc_profile")
        options: dict[str, object] = {"icc_profile": profile} if profile else {}
        if fmt in ("JPEG", "WEBP"):
            options["quality"] = 90
        upright.save(target, fmt, **options)
        image.close()
    return Kept(target, content_type, _UPLOADED[found], upright.width, upright.height, target.stat().st_size)


def _decoded(upload: Path) -> Image.Image:
    too_big = PhotoRefused(413, f"the photo has more than {MAX_PIXELS // 1_000_000} million pixels")
    broken = PhotoRefused(422, "the photo is damaged or incomplete: it cannot be read to its end")
    try:
        image = Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (OSError, SyntaxError, ValueError):  # what Pillow raises for a broken file
        raise broken from None
    try:
        if image.width * image.height > MAX_PIXELS:
            raise too_big
        image.load()
    except (OSError, SyntaxError, ValueError):
        image.close()
        raise broken from None
    except BaseException:
        image.close()
        raise
    return image


def smaller(source: Path, longest: int, target: Path) -> None:
    """A copy of the kept image ``source`` whose longest side is at most ``longest``, as WebP."""
    with _decoding, Image.open(source) as image:
        image.thumbnail((longest, longest))
        shown = image if image.mode in ("RGB", "RGBA", "L") else image.convert("RGBA")
        shown.save(target, "WEBP", quality=82)
