"""The championship's stored facts, one module per domain."""

from scoreboard.models.base import Base
from scoreboard.models.callup import CallUpEntry
from scoreboard.models.display import DisplayScreen, Slide
from scoreboard.models.event import Category, Event, Track
from scoreboard.models.fairplay import Finalisation, Inspection, Protest
from scoreboard.models.judges import CategoryJudging, JudgeAssignment, ScoreSheetVersion
from scoreboard.models.matches import MatchDraw, MatchRecord
from scoreboard.models.people import ApiToken, Team, User
from scoreboard.models.registration import Registration, RegistrationChange, ResultFinal  # noqa: F401
from scoreboard.models.replication import ReplicationChange, ReplicationCursor  # noqa: F401
from scoreboard.models.schedule import Place, ScheduleCalendar, ScheduleSlot, ScheduleVersion  # noqa: F401
from scoreboard.models.server import ServerSetting
from scoreboard.models.timing import AuditRecord, GateEvent, Run

__all__ = [
    "Finalisation", "Inspection", "Protest",
    "ApiToken",
    "AuditRecord",
    "CallUpEntry",
    "Base",
    "Category",
    "CategoryJudging",
    "DisplayScreen",
    "Event",
    "GateEvent",
    "JudgeAssignment",
    "MatchDraw",
    "MatchRecord",
    "Registration",
    "Run",
    "ScoreSheetVersion",
    "ServerSetting",
    "Slide",
    "Team",
    "Track",
    "User",
]
