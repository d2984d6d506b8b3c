"""Merge 0003a and 0003b."""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0004m"
down_revision: Union[str, Sequence[str], None] = ("0003a", "0003b")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
