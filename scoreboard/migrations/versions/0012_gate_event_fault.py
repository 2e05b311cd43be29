"""A gate edge its source passed on despite a fault (e.g. its time fell back in one boot)

Revision ID: 0012
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gate_event") as batch:
        batch.add_column(sa.Column("fault", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gate_event") as batch:
        batch.drop_column("fault")
