"""The schedule: places, the event's calendar, schedule versions and their slots

Revision ID: 0016
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_place_event_id_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("slug", name=op.f("uq_place_slug")),
    )
    op.create_table(
        "schedule_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("day_start", sa.Integer(), nullable=False),
        sa.Column("day_end", sa.Integer(), nullable=False),
        sa.Column("breaks", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"],
                                name=op.f("fk_schedule_calendar_event_id_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_calendar")),
        sa.UniqueConstraint("event_id", name=op.f("uq_schedule_calendar_event_id")),
    )
    op.create_table(
        "schedule_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_version")),
    )
    op.create_table(
        "schedule_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("place", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_schedule_slot_category_id_category")),
        sa.ForeignKeyConstraint(["version_id"], ["schedule_version.id"],
                                name=op.f("fk_schedule_slot_version_id_schedule_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slot")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_schedule_slot_version_id_key")),
    )
    op.create_index(op.f("ix_schedule_slot_version_id"), "schedule_slot", ["version_id"])
    op.create_index(op.f("ix_schedule_slot_place"), "schedule_slot", ["place"])
    op.create_index(op.f("ix_schedule_slot_start"), "schedule_slot", ["start"])


def downgrade() -> None:
    op.drop_table("schedule_slot")
    op.drop_table("schedule_version")
    op.drop_table("schedule_calendar")
    op.drop_table("place")
