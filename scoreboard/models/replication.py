"""The change feed a warm standby follows (docs/data-safety.md).

Database triggers (scoreboard/services/replication.py) add one `replication_change` row
for every row inserted, updated or deleted in any championship table, in commit order.
A standby keeps its place in the primary's feed in `replication_cursor`.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scoreboard.models.base import Base, utcnow


class ReplicationChange(Base):
    """A row of `tbl` with id `row_id` changed (its current content is in the table)."""

    __tablename__ = "replication_change"

    # BIGINT on PostgreSQL; INTEGER on SQLite, where only that is the auto-increasing rowid
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int] = mapped_column(BigInteger)


class ReplicationCursor(Base):
    """On a standby: the primary followed and the last change applied from its feed."""

    __tablename__ = "replication_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    primary_url: Mapped[str] = mapped_column(String(300))
    last_change: Mapped[int] = mapped_column(BigInteger, default=0)
    # set by `kejurda promote`: this database is a primary now and never follows again
    promoted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
