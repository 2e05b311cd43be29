"""Fair play: technical inspections, protests and head-judge finalisations

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item_values", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("photo_file", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_inspection_category_id_category")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_inspection_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    op.create_index(op.f("ix_inspection_category_id"), "inspection", ["category_id"])
    op.create_index(op.f("ix_inspection_team_id"), "inspection", ["team_id"])
    op.create_table(
        "protest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("photo_file", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("correction", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_protest_category_id_category")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_protest_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protest")),
    )
    op.create_index(op.f("ix_protest_category_id"), "protest", ["category_id"])
    op.create_index(op.f("ix_protest_team_id"), "protest", ["team_id"])
    op.create_index(op.f("ix_protest_status"), "protest", ["status"])
    op.create_table(
        "finalisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_finalisation_category_id_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finalisation")),
    )
    op.create_index(op.f("ix_finalisation_category_id"), "finalisation", ["category_id"])


def downgrade() -> None:
    op.drop_table("finalisation")
    op.drop_table("protest")
    op.drop_table("inspection")
