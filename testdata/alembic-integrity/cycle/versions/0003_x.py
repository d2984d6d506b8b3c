"""Revision 0003."""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
