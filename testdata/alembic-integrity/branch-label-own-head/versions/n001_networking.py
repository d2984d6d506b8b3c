"""Revision n001."""
from alembic import op
import sqlalchemy as sa

revision = "n001"
down_revision = None
branch_labels = ("networking",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
