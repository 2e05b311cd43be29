"""The championship's stored facts, one module per domain."""

from scoreboard.models.base import Base
from scoreboard.models.event import Category, Event, Track
from scoreboard.models.matches import MatchDraw, MatchRecord
from scoreboard.models.people import ApiToken, Team, User
from scoreboard.models.timing import AuditRecord, GateEvent, Run

__all__ = [
    "ApiToken",
    "AuditRecord",
    "Base",
    "Category",
    "Event",
    "GateEvent",
    "MatchDraw",
    "MatchRecord",
    "Run",
    "Team",
    "Track",
    "User",
]
