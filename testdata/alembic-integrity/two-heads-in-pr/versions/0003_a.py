"""Revision 0003a."""
from alembic import op
import sqlalchemy as sa

revision = "0003a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
