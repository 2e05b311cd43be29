"""Cells of exported spreadsheets (CSV and XLSX): text typed by schools stays text.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and
a tab or carriage return in front hides such a start; a team named `=HYPERLINK(...)`
would then act on the organiser's computer (CSV injection). The OWASP rule: such a cell
gets a leading apostrophe, which spreadsheet programs show as text. The teams CSV import
takes the apostrophe off again, so an export still imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value` safe for a spreadsheet cell: a text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of `row` through `neutralise`."""
    return [neutralise(v) for v in row]


def restore(value: str) -> str:
    """The text a neutralised cell stood for (the import's side of the rule)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def text_cells(sheet: Any, min_row: int = 1) -> None:
    """Mark every text cell of an openpyxl sheet as a string, never a formula."""
    for cells in sheet.iter_rows(min_row=min_row):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.value = neutralise(cell.value)
                cell.data_type = "s"
