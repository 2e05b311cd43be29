"""The rules of team registration as pure decisions: phone numbers, NPSN, who may enter
which category, capacity and deadline, duplicates, team codes, uploads and the call-up
queue at a track or arena.

No I/O and no clock: the caller passes `now`. A refusal is a `Refusal` whose `key`
names the reason, so the scoreboard can show it at the right field in the right
language; `str(refusal)` is an English sentence for logs and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from judging.errors import RuleViolation

MAX_CALLS = 3  # a team called this many times without showing goes to the end of the queue


class Refusal(RuleViolation):
    """A registration rule said no; `key` says which rule."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


class Status(StrEnum):
    """Where a registration stands."""

    PENDING = "pending"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"


# School levels on the form and the names that mean the same level in a category's
# `levels` (an organiser may write "SMK" or "MTs").
LEVELS = {"SD": ("SD", "MI"), "SMP": ("SMP", "MTS"), "SMA": ("SMA", "SMK", "MA"),
          "UMUM": ("UMUM",)}

_PHONE_JUNK = re.compile(r"[\s().\-/]")
_NAME_WORDS = re.compile(r"\w+")


def normalise_phone(raw: str) -> str:
    """An Indonesian mobile (WhatsApp) number as `+628...`.

    Accepts `08..`, `8..`, `62 8..` and `+62 8..`, with spaces, dots, dashes, slashes and
    brackets. The national number is 8 followed by 8 to 11 digits (10 to 13 digits
    written with the leading 0)."""
    text = _PHONE_JUNK.sub("", raw or "")
    if not text:
        raise Refusal("phone_required", "phone: required")
    if text.startswith("+"):
        if not text.startswith("+62"):
            raise Refusal("phone_country", f"phone: {raw!r} is not an Indonesian number (+62)")
        text = text[3:]
    elif text.startswith("62"):
        text = text[2:]
    elif text.startswith("0"):
        text = text[1:]
    if not text.isascii() or not text.isdigit():
        raise Refusal("phone_format", f"phone: {raw!r} may only hold digits")
    if not text.startswith("8") or not 9 <= len(text) <= 12:
        raise Refusal("phone_format", f"phone: {raw!r} is not a mobile number like 0812 3456 7890")
    return "+62" + text


def wa_me(phone: str) -> str:
    """The digits wa.me wants for a normalised `+62...` number."""
    return phone.lstrip("+")


def check_npsn(raw: str) -> str:
    """An NPSN or NSM: empty (not given) or exactly 8 digits (spaces ignored)."""
    text = re.sub(r"\s", "", raw or "")
    if text and not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise Refusal("npsn_format", f"npsn: {raw!r} must be exactly 8 digits")
    return text


def level_admits(category_levels: Sequence[str], level: str) -> bool:
    """Whether a category whose `levels` are `category_levels` admits a team of `level`
    (a key of LEVELS). No levels means any level."""
    if not category_levels:
        return True
    names = LEVELS.get(level.upper(), ())
    return any(str(wanted).strip().upper() in names for wanted in category_levels)


def check_members(members: Sequence[str], least: int, most: int | None) -> None:
    """Refuse a member list outside the category's team size."""
    if len(members) < least:
        raise Refusal("members_few", f"members: at least {least}, got {len(members)}")
    if most is not None and len(members) > most:
        raise Refusal("members_many", f"members: at most {most}, got {len(members)}")


def duplicate_key(team_name: str, institution: str, category: str) -> str:
    """What makes two registrations the same team: name, institution and category,
    ignoring case, punctuation and spacing."""
    def words(text: str) -> str:
        return " ".join(_NAME_WORDS.findall(text.casefold()))

    return f"{words(team_name)}|{words(institution)}|{category}"


# ---------------------------------------------------------------- capacity and deadline


def parse_deadline(value: object) -> datetime:
    """A `registration_closes` value (a TOML datetime or an ISO 8601 text) with its UTC
    offset; a time without an offset is refused, since the venue's zone must be explicit."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Refusal("deadline_format", f"registration_closes: {value!r} is not a date "
                          "and time like 2026-12-01T23:59:00+07:00") from None
    if not isinstance(value, datetime):
        raise Refusal("deadline_format", f"registration_closes: {value!r} is not a date and "
                      "time like 2026-12-01T23:59:00+07:00")
    if value.tzinfo is None or value.utcoffset() is None:
        raise Refusal("deadline_format", "registration_closes: give the UTC offset, e.g. "
                      "2026-12-01T23:59:00+07:00")
    return value


def check_capacity(value: object) -> int:
    """A `capacity` value: the most teams a category takes (an integer >= 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Refusal("capacity_format", f"capacity: must be an integer >= 1, got {value!r}")
    return value


def is_open(now: datetime, closes: datetime | None) -> bool:
    """Registration (and a team's own edits) is open until the deadline, inclusive."""
    return closes is None or now <= closes


def remaining(capacity: int | None, taken: int) -> int | None:
    """Places left in a category (None: no limit)."""
    return None if capacity is None else max(0, capacity - taken)


def intake(now: datetime, closes: datetime | None, capacity: int | None,
           taken: int) -> Status:
    """The status of a new registration: pending while there is room, waitlisted when
    the category is full; after the deadline it is refused."""
    if not is_open(now, closes):
        raise Refusal("closed", "category: registration has closed")
    if capacity is not None and taken >= capacity:
        return Status.WAITLISTED
    return Status.PENDING


TRANSITIONS = {
    Status.PENDING: {Status.APPROVED, Status.WAITLISTED, Status.REJECTED},
    Status.WAITLISTED: {Status.APPROVED, Status.REJECTED, Status.PENDING},
    Status.REJECTED: {Status.PENDING, Status.WAITLISTED, Status.APPROVED},
    Status.APPROVED: {Status.WAITLISTED, Status.REJECTED},
}


def review(current: Status, target: Status, reason: str, capacity: int | None,
           taken: int) -> Status:
    """An organiser moves a registration to `target`. Rejecting or waitlisting needs a
    reason; approving needs a free place (`taken` counts the category's teams)."""
    if target == current:
        raise Refusal("same_status", f"status: already {current.value}")
    if target not in TRANSITIONS[current]:
        raise Refusal("transition", f"status: cannot go from {current.value} to {target.value}")
    if target in (Status.REJECTED, Status.WAITLISTED) and not reason.strip():
        raise Refusal("reason_required", f"reason: required to mark a registration {target.value}")
    if target is Status.APPROVED and capacity is not None and taken >= capacity:
        raise Refusal("full", f"category: full ({taken} of {capacity} places taken)")
    return target


# ---------------------------------------------------------------- team codes


def code_prefix(category_slug: str) -> str:
    """`lf-smp` → `LF-SMP`: the team codes of a category start with this."""
    return category_slug.upper()[:27]


def next_team_code(category_slug: str, existing: Iterable[str]) -> str:
    """The next free code `<PREFIX>-NNN` of a category, after the highest one in use."""
    prefix = code_prefix(category_slug)
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$", re.IGNORECASE)
    highest = max((int(m.group(1)) for m in map(pattern.match, existing) if m), default=0)
    return f"{prefix}-{highest + 1:03d}"


# ---------------------------------------------------------------- uploads


UPLOAD_KINDS = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"%PDF-", "pdf", "application/pdf"),
)


def sniff_upload(head: bytes) -> tuple[str, str]:
    """(extension, media type) of a payment proof judged by its first bytes, whatever
    its name says: PNG, JPEG, WebP or PDF; anything else is refused."""
    for magic, ext, mime in UPLOAD_KINDS:
        if head.startswith(magic):
            return ext, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    raise Refusal("upload_type", "proof: only a PNG, JPEG or WebP image or a PDF")


# ---------------------------------------------------------------- call-up queue


@dataclass(frozen=True)
class QueueEntry:
    """A team waiting at a track or arena: its place and how often it was called."""

    team: str
    position: int
    calls: int = 0


def queue_order(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """The queue as it is called: by position, then team code."""
    return sorted(entries, key=lambda e: (e.position, e.team))


def join(entries: Sequence[QueueEntry], team: str) -> list[QueueEntry]:
    """Add a team at the end (a team already waiting keeps its place)."""
    if any(e.team == team for e in entries):
        raise Refusal("queued", f"queue: {team} is already waiting")
    end = max((e.position for e in entries), default=0) + 1
    return queue_order([*entries, QueueEntry(team, end)])


def no_show(entries: Sequence[QueueEntry], team: str,
            max_calls: int = MAX_CALLS) -> list[QueueEntry]:
    """Record a call the team did not answer; after `max_calls` such calls it goes to the
    end of the queue with its count reset."""
    found = next((e for e in entries if e.team == team), None)
    if found is None:
        raise Refusal("not_queued", f"queue: {team} is not waiting")
    others = [e for e in entries if e.team != team]
    if found.calls + 1 >= max_calls:
        end = max((e.position for e in entries), default=0) + 1
        return queue_order([*others, QueueEntry(team, end, 0)])
    return queue_order([*others, replace(found, calls=found.calls + 1)])


def leave(entries: Sequence[QueueEntry], team: str) -> list[QueueEntry]:
    """The team showed up (or withdrew): it leaves the queue."""
    if not any(e.team == team for e in entries):
        raise Refusal("not_queued", f"queue: {team} is not waiting")
    return queue_order([e for e in entries if e.team != team])
