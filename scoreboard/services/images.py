"""Images people upload besides payment proofs (projector slides, inspection and protest
photos): judged by their content, decoded whole, size-limited, kept 0600 under a random
name in a folder of the upload directory (never under static/, carried by backups)."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image, UnidentifiedImageError

from judging import registration as rules
from judging.registration import Refusal
from scoreboard.config import private_dir, write_private
from scoreboard.errors import Invalid

HEAD = 16
KINDS = {"png", "jpg", "webp"}


@dataclass(frozen=True)
class Upload:
    """An uploaded image that passed every check, not yet written anywhere."""

    data: bytes
    ext: str
    media_type: str


def read_image(stream: IO[bytes] | None, max_bytes: int, field: str) -> Upload:
    """The image sent as `field`, or Invalid naming the field and what is wrong (in the
    API's words; pages show it translated: scoreboard/refusals.py)."""
    data = stream.read(max_bytes + 1) if stream is not None else b""
    if not data:
        raise Invalid(f"{field}: no file was sent")
    if len(data) > max_bytes:
        raise Invalid(f"{field}: larger than {max_bytes} bytes")
    only = f"{field}: only a PNG, JPEG or WebP image"
    try:
        ext, mime = rules.sniff_upload(data[:HEAD])
    except Refusal:
        raise Invalid(only) from None
    if ext not in KINDS:
        raise Invalid(only)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(f"{field}: the file is damaged or not a whole image") from None
    return Upload(data, ext, mime)


def keep(upload: Upload, folder: Path, sub: str, prefix: str) -> str:
    """Write the image into `folder/sub` (0700) as a new 0600 file; its name under `folder`."""
    target = private_dir(private_dir(folder) / sub)
    name = f"{prefix}-{secrets.token_hex(8)}.{upload.ext}"
    write_private(target / name, upload.data)
    return f"{sub}/{name}"


def stored(folder: Path, name: str | None) -> Path | None:
    """The kept file `name` (as `keep` returned it) if it is still there."""
    if not name or name.startswith("/") or ".." in Path(name).parts:
        return None
    path = folder / name
    return path if path.is_file() else None


MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
