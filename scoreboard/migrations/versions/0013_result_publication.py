"""final results: which timed and match categories are published; people's full names

Revision ID: 0013
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "result_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=80), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_result_publication_category_id_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_publication")),
        sa.UniqueConstraint("category_id", name=op.f("uq_result_publication_category_id")),
    )


    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("full_name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("full_name")
    op.drop_table("result_publication")
