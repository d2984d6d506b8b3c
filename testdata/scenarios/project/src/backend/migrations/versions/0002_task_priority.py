"""tasks.priority

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tasks", sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE tasks SET priority = 2 WHERE title LIKE '[urgent]%'")


def downgrade():
    op.drop_column("tasks", "priority")
