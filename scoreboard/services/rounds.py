"""Round names of a match category, one rule for every screen and file.

A round is named by a machine key (`final`, `semifinal`, `round_1`, `losers_2`, ...),
used in the API's ranking entries (`stage`), and by its Indonesian label on pages,
the projector and the result files ("Babak 1", "Semifinal", "Final", "Final Ulang",
"Perebutan Juara 3").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

NUMBERED = ("round", "winners", "losers", "group")


def last_winners_round(matches: Iterable[dict[str, Any]]) -> int:
    """The final's round number in a single-elimination part (0 when it has none)."""
    return max((m["round"] for m in matches if m["stage"] == "winners"), default=0)


def round_key(match: dict[str, Any], last_round: int, double: bool) -> str:
    """The key of a match's round: `match` needs `id`, `stage` and `round`."""
    stage, number = match["stage"], match["round"]
    if stage == "grand_final":
        return "final_reset" if match.get("reset_of") or match["id"] == "GF2" else "final"
    if stage == "third_place":
        return "third_place"
    if stage in ("losers", "group"):
        return f"{stage}_{number}"
    if double:
        return f"winners_{number}"
    names = {last_round: "final", last_round - 1: "semifinal", last_round - 2: "quarterfinal"}
    return names.get(number, f"round_{number}")


def fixed_labels() -> dict[str, str]:
    """Labels of the keys without a number (and of the stages a team may end at)."""
    return {"final": _("Final"), "final_reset": _("Final Ulang"), "semifinal": _("Semifinal"),
            "quarterfinal": _("Perempat final"), "third_place": _("Perebutan Juara 3"),
            "champion": _("Juara"), "groups": _("Fase grup")}


def numbered_labels() -> dict[str, str]:
    """Labels of the numbered keys, `{n}` standing for the number (for the page scripts)."""
    return {"round": _("Babak %(n)s", n="{n}"), "winners": _("Babak atas %(n)s", n="{n}"),
            "losers": _("Babak bawah %(n)s", n="{n}"), "group": _("Ronde %(n)s", n="{n}")}


def round_name(key: str | None) -> str:
    """A round key's label in the page's language ("" for none)."""
    if not key:
        return ""
    fixed = fixed_labels()
    if key in fixed:
        return fixed[key]
    kind, _sep, number = key.rpartition("_")
    pattern = numbered_labels().get(kind)
    return pattern.replace("{n}", number) if pattern else key


def labels() -> dict[str, Any]:
    """Everything a page script needs to name rounds itself (JSON-friendly)."""
    return {"fixed": fixed_labels(), "numbered": numbered_labels()}
