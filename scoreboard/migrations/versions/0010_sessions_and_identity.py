"""Session versions, change requests after approval, names on record at a final result

Revision ID: 0010
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "registration_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("old", sa.JSON(), nullable=False),
        sa.Column("new", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_registration_change_registration_id_registration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_change")),
    )
    op.create_index(op.f("ix_registration_change_registration_id"), "registration_change",
                    ["registration_id"])
    op.create_index(op.f("ix_registration_change_status"), "registration_change", ["status"])
    op.create_table(
        "result_final",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("made_final_by", sa.String(length=80), nullable=False),
        sa.Column("made_final_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_result_final_category_id_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_final")),
        sa.UniqueConstraint("category_id", name=op.f("uq_result_final_category_id")),
    )


def downgrade() -> None:
    op.drop_table("result_final")
    op.drop_index(op.f("ix_registration_change_status"), table_name="registration_change")
    op.drop_index(op.f("ix_registration_change_registration_id"),
                  table_name="registration_change")
    op.drop_table("registration_change")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_version")
