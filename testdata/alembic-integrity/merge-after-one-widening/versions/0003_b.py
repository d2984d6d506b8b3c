"""Revision 0003b."""
from alembic import op
import sqlalchemy as sa

revision = "0003b"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
