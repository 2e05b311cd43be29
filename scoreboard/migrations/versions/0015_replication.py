"""The change feed a warm standby follows, and a standby's place in it

Revision ID: 0015
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replication_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replication_change")),
    )
    op.create_table(
        "replication_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("primary_url", sa.String(length=300), nullable=False),
        sa.Column("last_change", sa.BigInteger(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replication_cursor")),
    )
    # The triggers that fill replication_change are installed (for every table, including
    # tables of later revisions) by scoreboard.services.replication.install_triggers.


def downgrade() -> None:
    op.drop_table("replication_cursor")
    op.drop_table("replication_change")
