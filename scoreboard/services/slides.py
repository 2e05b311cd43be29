"""Sponsor and announcement slides: images the admin uploads, shown by the projector's
`slide` scene for the playlist's seconds.

They are kept like the payment proofs: checked by their content (a PNG, JPEG or WebP image
that decodes, at most the upload limit), stored under a random name in the upload folder's
`slides/` (0600, outside the static folder, so backups and archives carry them), served by
the app. A slide still in a screen's playlist cannot be deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.models import DisplayScreen, Slide
from scoreboard.services import images
from scoreboard.services.audit import audit

FOLDER = "slides"
TITLE_MAX = 80


def slide_dict(row: Slide) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "media_type": row.media_type, "bytes": row.size,
            "url": f"/display/slide/{row.id}"}


def list_slides(session: Session) -> list[dict[str, Any]]:
    return [slide_dict(r) for r in session.scalars(select(Slide).order_by(Slide.id))]


def get(session: Session, slide_id: Any) -> Slide:
    row = session.get(Slide, slide_id) if _whole(slide_id) else None
    if row is None:
        raise NotFound(f"slide: {str(slide_id)[:20]!r} is not an uploaded slide "
                       "(slide tidak ditemukan)")
    return row


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def save_slide(session: Session, stream: IO[bytes] | None, title: Any, folder: Path,
               max_bytes: int, actor: str) -> Slide:
    """Keep an uploaded slide; nothing is stored when any part of it is refused."""
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > TITLE_MAX:
        raise Invalid(f"title: a name of 1 to {TITLE_MAX} characters (judul slide)")
    upload = images.read_image(stream, max_bytes, "image")
    name = images.keep(upload, folder, FOLDER, "slide")
    row = Slide(title=title.strip(), file=name, media_type=upload.media_type,
                size=len(upload.data), created_by=actor)
    session.add(row)
    session.flush()
    audit(session, actor, "upload", "slide", str(row.id),
          new={"title": row.title, "file": name, "bytes": len(upload.data)})
    session.commit()
    return row


def slide_path(row: Slide, folder: Path) -> Path:
    path = images.stored(folder, row.file)
    if path is None:
        raise NotFound(f"slide {row.id}: its file is missing (berkas slide hilang)")
    return path


def screens_showing(session: Session, slide_id: int) -> list[str]:
    return [s.slug for s in session.scalars(select(DisplayScreen).order_by(DisplayScreen.slug))
            if any(item.get("slide") == slide_id for item in s.playlist or [])]


def delete_slide(session: Session, slide_id: Any, folder: Path, actor: str) -> None:
    """Delete a slide no playlist shows (409 naming the screens that still do)."""
    row = get(session, slide_id)
    screens = screens_showing(session, row.id)
    if screens:
        raise Conflict(f"slide {row.id} is in the playlist of {', '.join(screens)}; take it "
                       "out there first (slide masih dipakai di daftar putar layar)")
    audit(session, actor, "delete", "slide", str(row.id),
          old={"title": row.title, "file": row.file})
    session.delete(row)
    session.commit()
    (folder / row.file).unlink(missing_ok=True)
