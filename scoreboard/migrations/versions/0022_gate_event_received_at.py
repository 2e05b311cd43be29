"""an index on gate_event.received_at: the edges stored since a run was armed

A run's start on a track with two devices looks for the finish device's edges stored since
the run was armed (a finish that reached the server before its start); without the index
that read went through every edge of the device (4-6 ms at 40,000 edges, on the way of the
start to the screens).

Revision ID: 0022
Revises: 0017
"""

from alembic import op

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_gate_event_received_at"), "gate_event", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_gate_event_received_at"), table_name="gate_event")
