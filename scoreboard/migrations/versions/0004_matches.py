"""match categories: the draw and the results

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("seeded", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("rounds", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_match_draw_category_id_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_draw")),
        sa.UniqueConstraint("category_id", name=op.f("uq_match_draw_category_id")),
    )
    op.create_table(
        "match_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_match_record_category_id_category")),
        sa.ForeignKeyConstraint(["supersedes_id"], ["match_record.id"],
                                name=op.f("fk_match_record_supersedes_id_match_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_record")),
        sa.UniqueConstraint("category_id", "match_id", "version",
                            name=op.f("uq_match_record_category_id_match_id_version")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_match_record_idempotency_key")),
    )
    op.create_index(op.f("ix_match_record_category_id"), "match_record", ["category_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_match_record_category_id"), table_name="match_record")
    op.drop_table("match_record")
    op.drop_table("match_draw")
