"""Revision 0004a."""
from alembic import op
import sqlalchemy as sa

revision = "0004a"
down_revision = "0003b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
