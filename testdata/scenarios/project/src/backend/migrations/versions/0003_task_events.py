"""task_events

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False, server_default=sa.func.current_timestamp()),
    )
    op.create_index("idx_task_events_task", "task_events", ["task_id"])


def downgrade():
    op.drop_index("idx_task_events_task", table_name="task_events")
    op.drop_table("task_events")
