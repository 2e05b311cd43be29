"""Refusals in people's words: the API's `error` stays machine-friendly (a field, a colon,
the rule in English), and pages show the same refusal translated, next to its field.

One table serves both sides: `explain()` for pages the server renders (flashes), and
`client_table()` for page scripts (static/js/kj-api.js), which match the API's `error`
with the same patterns and fill the translated template with the named groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

# (pattern, template builder). A builder gets placeholder values and returns the text in the
# page's language; `field` (when the pattern has it) names the form field to mark.
_FIELD = r"(?P<field>[A-Za-z_][\w.\[\]]*)"
REFUSALS: list[tuple[str, Callable[..., str]]] = [
    (rf"^{_FIELD}: a whole number from (?P<lo>\d+) to (?P<hi>\d+) \(got (?P<got>.*)\)$",
     lambda **v: _("Isi bilangan bulat dari %(lo)s sampai %(hi)s (tertulis %(got)s).", **v)),
    (rf"^{_FIELD}: unknown criterion",
     lambda **v: _("Kriteria ini tidak dikenal; muat ulang halaman.", **v)),
    (rf"^{_FIELD}: required, an integer from (?P<lo>\d+) to (?P<hi>\d+)",
     lambda **v: _("Wajib diisi: bilangan bulat dari %(lo)s sampai %(hi)s.", **v)),
    (rf"^{_FIELD}: an integer from (?P<lo>\d+) to (?P<hi>\d+)",
     lambda **v: _("Isi bilangan bulat dari %(lo)s sampai %(hi)s.", **v)),
    (rf"^{_FIELD}: (?:.*)?a text of 1 to (?P<n>\d+) characters",
     lambda **v: _("Wajib diisi, paling banyak %(n)s karakter.", **v)),
    (rf"^{_FIELD}: a text of at most (?P<n>\d+) characters",
     lambda **v: _("Paling banyak %(n)s karakter.", **v)),
    (r"^(?P<field>track): '(?P<track>[^']*)' is busy with run (?P<run>\d+)",
     lambda **v: _("Lintasan masih dipakai percobaan #%(run)s; selesaikan dulu.", **v)),
    (r"^(?P<field>team): '(?P<team>[^']*)' has used all (?P<n>\d+) attempts",
     lambda **v: _("Tim %(team)s sudah memakai semua %(n)s percobaan.", **v)),
    (r"^(?P<field>team): '(?P<team>[^']*)' .*has not checked in",
     lambda **v: _("Tim %(team)s belum daftar ulang.", **v)),
    (r"^(?P<field>base_version): the sheet (?:is at version (?P<v>\d+)|was changed)",
     lambda **v: _("Lembar nilai ini baru saja diubah di tempat lain; periksa nilai terbaru "
                   "lalu simpan lagi.", **v)),
    (r"^category is (?P<state>\w+) by the head judge",
     lambda **v: _("Kategori dikunci ketua juri; nilai tidak dapat diubah.", **v)),
    (r"^(?P<field>expected_version): (?P<match>\S+) is at version (?P<v>\d+)",
     lambda **v: _("Hasil pertandingan %(match)s sudah diubah (versi %(v)s); muat ulang.", **v)),
    (r"^(?P<field>match): '(?P<match>[^']*)' was changed at the same time",
     lambda **v: _("Hasil pertandingan %(match)s sudah diubah; muat ulang.", **v)),
    (r"^(?P<field>status): no penalties on a run that is (?P<status>\w+)",
     lambda **v: _("Penalti hanya untuk percobaan yang sedang berjalan atau sudah selesai.",
                   **v)),
    (r"^(?P<field>penalty): must be one of",
     lambda **v: _("Penalti ini tidak ada di kategori ini.", **v)),
    (rf"^{_FIELD}: no file was sent$",
     lambda **v: _("Pilih berkasnya dulu.", **v)),
    (rf"^{_FIELD}: larger than (?P<n>\d+) bytes$",
     lambda **v: _("Berkas terlalu besar: paling besar %(n)s bita.", **v)),
    (rf"^{_FIELD}: only a PNG, JPEG or WebP image$",
     lambda **v: _("Hanya gambar PNG, JPEG atau WebP.", **v)),
    (rf"^{_FIELD}: the file is damaged or not a whole image$",
     lambda **v: _("Berkas gambar rusak atau terpotong; kirim ulang.", **v)),
    (r"^CSRF|^The CSRF",
     lambda **v: _("Sesi halaman kedaluwarsa; muat ulang halaman lalu coba lagi.", **v)),
]
_COMPILED = [(re.compile(p), build) for p, build in REFUSALS]
_PREFIX = re.compile(rf"^{_FIELD}: ")


def explain(error: str) -> dict[str, str | None]:
    """{"field", "message"} for a refusal; a refusal without a translation keeps its words
    after a translated lead-in, and its field is still named when it has one."""
    for pattern, build in _COMPILED:
        m = pattern.search(error)
        if m:
            values = {k: v for k, v in m.groupdict().items() if k != "field" and v is not None}
            return {"field": m.groupdict().get("field"), "message": build(**values)}
    prefix = _PREFIX.match(error)
    return {"field": prefix.group("field") if prefix else None,
            "message": _("Ditolak: %(detail)s", detail=error)}


def client_table() -> list[list[str]]:
    """[[JavaScript pattern, translated template with {name} placeholders], ...] for
    static/js/kj-api.js; the last row is the lead-in for refusals the table does not know."""
    rows = []
    for pattern, build in _COMPILED:
        names = [n for n in pattern.groupindex if n != "field"]
        rows.append([pattern.pattern.replace("(?P<", "(?<"),
                     build(**{n: "{" + n + "}" for n in names})])
    rows.append(["", _("Ditolak: %(detail)s", detail="{detail}")])
    return rows
