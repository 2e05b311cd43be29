"""online registration, check-in and call-up queues

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("edit_key", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("team_name", sa.String(length=120), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("npsn", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("robot_name", sa.String(length=120), nullable=False),
        sa.Column("coach_name", sa.String(length=120), nullable=False),
        sa.Column("coach_phone", sa.String(length=20), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("dup_key", sa.String(length=400), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("team_code", sa.String(length=32), nullable=True),
        sa.Column("proof_file", sa.String(length=200), nullable=True),
        sa.Column("proof_type", sa.String(length=40), nullable=True),
        sa.Column("payment_verified", sa.Boolean(), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=80), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_registration_category_id_category")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_registration_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint("code", name=op.f("uq_registration_code")),
    )
    with op.batch_alter_table("registration") as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_category_id"), ["category_id"])
        batch_op.create_index(batch_op.f("ix_registration_dup_key"), ["dup_key"])
        batch_op.create_index(batch_op.f("ix_registration_status"), ["status"])
    op.create_table(
        "callup_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arena", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_callup_entry_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callup_entry")),
        sa.UniqueConstraint("arena", "team_id", name=op.f("uq_callup_entry_arena_team_id")),
    )
    with op.batch_alter_table("callup_entry") as batch_op:
        batch_op.create_index(batch_op.f("ix_callup_entry_arena"), ["arena"])
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(sa.Column("checked_in_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("event") as batch_op:
        batch_op.add_column(sa.Column("require_checkin", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_column("require_checkin")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("checked_in_at")
    op.drop_table("callup_entry")
    op.drop_table("registration")
