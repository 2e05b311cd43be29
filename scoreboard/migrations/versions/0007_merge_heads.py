"""Merge the feature branches 0002-0006 into one head

Each first-wave feature added its tables beside the initial schema; from here on the
history is one line, so a plain `alembic upgrade head` works.

Revision ID: 0007
Revises: 0002, 0003, 0004, 0005, 0006
"""

revision = "0007"
down_revision = ("0002", "0003", "0004", "0005", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
