"""judges: assignments, versioned score sheets, category judging state

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judge_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_judge_assignment_category_id_category")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_judge_assignment_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_assignment")),
        sa.UniqueConstraint("user_id", "category_id",
                            name=op.f("uq_judge_assignment_user_id_category_id")),
    )
    op.create_index(op.f("ix_judge_assignment_user_id"), "judge_assignment", ["user_id"])
    op.create_index(op.f("ix_judge_assignment_category_id"), "judge_assignment",
                    ["category_id"])
    op.create_table(
        "score_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("entered_by", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_score_sheet_category_id_category")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_score_sheet_team_id_team")),
        sa.ForeignKeyConstraint(["judge_id"], ["user_account.id"],
                                name=op.f("fk_score_sheet_judge_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_sheet")),
        sa.UniqueConstraint("category_id", "team_id", "judge_id", "version",
                            name=op.f("uq_score_sheet_category_id_team_id_judge_id_version")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_score_sheet_idempotency_key")),
    )
    op.create_index(op.f("ix_score_sheet_category_id"), "score_sheet", ["category_id"])
    op.create_index(op.f("ix_score_sheet_team_id"), "score_sheet", ["team_id"])
    op.create_index(op.f("ix_score_sheet_judge_id"), "score_sheet", ["judge_id"])
    op.create_table(
        "category_judging",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_category_judging_category_id_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_judging")),
        sa.UniqueConstraint("category_id", name=op.f("uq_category_judging_category_id")),
    )


def downgrade() -> None:
    op.drop_table("category_judging")
    op.drop_index(op.f("ix_score_sheet_judge_id"), table_name="score_sheet")
    op.drop_index(op.f("ix_score_sheet_team_id"), table_name="score_sheet")
    op.drop_index(op.f("ix_score_sheet_category_id"), table_name="score_sheet")
    op.drop_table("score_sheet")
    op.drop_index(op.f("ix_judge_assignment_category_id"), table_name="judge_assignment")
    op.drop_index(op.f("ix_judge_assignment_user_id"), table_name="judge_assignment")
    op.drop_table("judge_assignment")
