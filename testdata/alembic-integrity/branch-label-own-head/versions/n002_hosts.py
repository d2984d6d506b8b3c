"""Revision n002."""
from alembic import op
import sqlalchemy as sa

revision = "n002"
down_revision = "n001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
