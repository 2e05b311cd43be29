"""Registration rules: every decision with exact values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.categories import parse_category
from judging.registration import (
    QueueEntry,
    Refusal,
    Status,
    check_capacity,
    check_members,
    check_npsn,
    duplicate_key,
    intake,
    is_open,
    join,
    leave,
    level_admits,
    next_team_code,
    no_show,
    normalise_phone,
    parse_deadline,
    queue_order,
    remaining,
    review,
    sniff_upload,
    wa_me,
)

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize("raw, expected", [
    ("081234567890", "+6281234567890"),
    ("0812-3456-7890", "+6281234567890"),
    ("0812 3456 7890", "+6281234567890"),
    ("(0812) 3456.7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("62812345678", "+62812345678"),
    ("812345678", "+62812345678"),
    ("0812345678901", "+62812345678901"),
])
def test_phone_numbers_are_normalised_to_plus_62(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw, key", [
    ("", "phone_required"),
    ("  ", "phone_required"),
    ("+60123456789", "phone_country"),
    ("+1 555 123 4567", "phone_country"),
    ("0812abc34567", "phone_format"),
    ("０８１２３４５６７８９", "phone_format"),  # full-width digits
    ("0341123456", "phone_format"),  # a landline in Malang, not WhatsApp
    ("0812345", "phone_format"),  # too short
    ("081234567890123", "phone_format"),  # too long
    ("+62", "phone_format"),
])
def test_bad_phone_numbers_are_refused_with_their_reason(raw, key):
    with pytest.raises(Refusal) as err:
        normalise_phone(raw)
    assert err.value.key == key


def test_wa_me_wants_digits_only():
    assert wa_me("+6281234567890") == "6281234567890"


@given(st.from_regex(r"8[0-9]{8,11}", fullmatch=True), st.sampled_from(["0", "62", "+62", ""]))
def test_every_written_form_of_a_mobile_number_gives_the_same_number(national, prefix):
    assert normalise_phone(prefix + national) == "+62" + national


@pytest.mark.parametrize("raw, expected", [("", ""), ("20512345", "20512345"),
                                           (" 2051 2345 ", "20512345")])
def test_npsn_is_optional_and_eight_digits(raw, expected):
    assert check_npsn(raw) == expected


@pytest.mark.parametrize("raw", ["1234567", "123456789", "2051234a", "１２３４５６７８"])
def test_bad_npsn_is_refused(raw):
    with pytest.raises(Refusal) as err:
        check_npsn(raw)
    assert err.value.key == "npsn_format"


@pytest.mark.parametrize("levels, level, admitted", [
    ([], "SD", True), ([], "UMUM", True),
    (["SD"], "SD", True), (["SD"], "SMP", False),
    (["MTs"], "SMP", True), (["SMK"], "SMA", True), (["sma"], "SMA", True),
    (["SD", "SMP"], "SMA", False), (["Umum"], "UMUM", True), (["SMA"], "nonsense", False),
])
def test_level_admission(levels, level, admitted):
    assert level_admits(levels, level) is admitted


@pytest.mark.parametrize("option, expected", [(None, (1, None)), (3, (1, 3)), ([2, 3], (2, 3))])
def test_team_size_option(option, expected):
    table = {"slug": "lf", "name": "LF", "format": "timed", "track": "a"}
    config = parse_category(table if option is None else {**table, "team_size": option})
    assert (config.team_size_min, config.team_size_max) == expected


def test_member_counts_inside_the_team_size():
    check_members(["a", "b"], 2, 3)
    check_members(["a"], 1, None)
    with pytest.raises(Refusal) as few:
        check_members(["a"], 2, 3)
    with pytest.raises(Refusal) as many:
        check_members(["a", "b", "c", "d"], 2, 3)
    assert (few.value.key, many.value.key) == ("members_few", "members_many")


def test_duplicates_ignore_case_spacing_and_punctuation():
    assert duplicate_key("Tim  Merapi!", "SMPN 1 Blitar", "lf-smp") == \
        duplicate_key("tim merapi", "smpn 1  blitar.", "lf-smp") == "tim merapi|smpn 1 blitar|lf-smp"
    assert duplicate_key("Tim Merapi", "SMPN 1 Blitar", "lf-sd") != \
        duplicate_key("Tim Merapi", "SMPN 1 Blitar", "lf-smp")


def test_deadline_needs_an_offset():
    closes = parse_deadline("2026-12-01T23:59:00+07:00")
    assert closes == datetime(2026, 12, 1, 16, 59, tzinfo=UTC)
    assert parse_deadline(datetime(2026, 12, 1, 23, 59, tzinfo=WIB)) == closes
    for bad in ("2026-12-01T23:59:00", "besok", 20261201, datetime(2026, 12, 1)):
        with pytest.raises(Refusal) as err:
            parse_deadline(bad)
        assert err.value.key == "deadline_format"


@pytest.mark.parametrize("bad", [0, -1, True, "32", 2.5])
def test_capacity_is_a_positive_integer(bad):
    assert check_capacity(32) == 32
    with pytest.raises(Refusal):
        check_capacity(bad)


def test_deadline_is_inclusive():
    closes = datetime(2026, 12, 1, 23, 59, tzinfo=WIB)
    assert is_open(closes, closes) and is_open(closes, None)
    assert not is_open(closes + timedelta(seconds=1), closes)


def test_intake_pending_waitlisted_or_closed():
    closes = datetime(2026, 12, 1, 23, 59, tzinfo=WIB)
    before = closes - timedelta(days=1)
    assert intake(before, closes, 2, 1) is Status.PENDING
    assert intake(before, closes, 2, 2) is Status.WAITLISTED
    assert intake(before, None, None, 999) is Status.PENDING
    with pytest.raises(Refusal) as err:
        intake(closes + timedelta(minutes=1), closes, None, 0)
    assert err.value.key == "closed"
    assert (remaining(2, 1), remaining(2, 5), remaining(None, 5)) == (1, 0, None)


def test_review_rules():
    assert review(Status.PENDING, Status.APPROVED, "", 2, 1) is Status.APPROVED
    assert review(Status.PENDING, Status.APPROVED, "", None, 100) is Status.APPROVED
    assert review(Status.APPROVED, Status.REJECTED, "nunggak", 2, 2) is Status.REJECTED
    cases = [
        ((Status.PENDING, Status.APPROVED, "", 2, 2), "full"),
        ((Status.PENDING, Status.REJECTED, "  ", None, 0), "reason_required"),
        ((Status.PENDING, Status.WAITLISTED, "", None, 0), "reason_required"),
        ((Status.APPROVED, Status.APPROVED, "", None, 0), "same_status"),
        ((Status.APPROVED, Status.PENDING, "x", None, 0), "transition"),
    ]
    for args, key in cases:
        with pytest.raises(Refusal) as err:
            review(*args)
        assert err.value.key == key, args


def test_team_codes_count_up_per_category():
    assert next_team_code("lf-smp", []) == "LF-SMP-001"
    assert next_team_code("lf-smp", ["LF-SMP-001", "LF-SMP-012", "LF-SD-050", "X"]) == "LF-SMP-013"
    assert next_team_code("lf-smp", ["lf-smp-007"]) == "LF-SMP-008"
    assert next_team_code("lf", ["LF-SMP-020"]) == "LF-001"  # another category's prefix
    long = next_team_code("a" * 64, [])
    assert long == "A" * 27 + "-001" and len(long) <= 32


@pytest.mark.parametrize("head, expected", [
    (b"\x89PNG\r\n\x1a\n....", ("png", "image/png")),
    (b"\xff\xd8\xff\xe0..JFIF", ("jpg", "image/jpeg")),
    (b"%PDF-1.7\n", ("pdf", "application/pdf")),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ("webp", "image/webp")),
])
def test_uploads_are_recognised_by_content(head, expected):
    assert sniff_upload(head) == expected


@pytest.mark.parametrize("head", [b"", b"<html><script>", b"GIF89a", b"PK\x03\x04",
                                  b"RIFF\x10\x00\x00\x00WAVE"])
def test_other_uploads_are_refused(head):
    with pytest.raises(Refusal) as err:
        sniff_upload(head)
    assert err.value.key == "upload_type"


def test_a_team_called_three_times_without_showing_goes_to_the_end():
    queue = []
    for team in ("A", "B", "C"):
        queue = join(queue, team)
    assert [(e.team, e.position) for e in queue] == [("A", 1), ("B", 2), ("C", 3)]
    queue = no_show(queue, "A")
    queue = no_show(queue, "A")
    assert [(e.team, e.calls) for e in queue] == [("A", 2), ("B", 0), ("C", 0)]
    queue = no_show(queue, "A")
    assert [(e.team, e.position, e.calls) for e in queue] == [("B", 2, 0), ("C", 3, 0),
                                                               ("A", 4, 0)]
    queue = leave(queue, "B")
    assert [e.team for e in queue] == ["C", "A"]
    with pytest.raises(Refusal):
        join(queue, "C")
    with pytest.raises(Refusal):
        no_show(queue, "B")
    with pytest.raises(Refusal):
        leave(queue, "B")


def test_queue_order_is_position_then_code():
    entries = [QueueEntry("B", 2), QueueEntry("C", 1), QueueEntry("A", 2)]
    assert [e.team for e in queue_order(entries)] == ["C", "A", "B"]


@given(st.lists(st.sampled_from("ABCDE"), max_size=30))
def test_no_show_never_loses_or_duplicates_a_team(calls):
    queue = []
    for team in "ABCDE":
        queue = join(queue, team)
    for team in calls:
        queue = no_show(queue, team)
        assert all(0 <= e.calls < 3 for e in queue)
    assert sorted(e.team for e in queue) == list("ABCDE")
    assert len({e.position for e in queue}) == 5
