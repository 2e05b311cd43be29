"""Faults."""

from __future__ import annotations


def play(r, threads) -> None:
    pass
