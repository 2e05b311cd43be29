"""what changed when an official result was corrected (a finalisation's `change`)

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finalisation") as batch:
        batch.add_column(sa.Column("change", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("finalisation") as batch:
        batch.drop_column("change")
