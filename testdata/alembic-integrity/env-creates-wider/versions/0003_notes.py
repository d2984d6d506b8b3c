"""Revision 0003_add_the_notes_column_to_agents."""
from alembic import op
import sqlalchemy as sa

revision = "0003_add_the_notes_column_to_agents"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
