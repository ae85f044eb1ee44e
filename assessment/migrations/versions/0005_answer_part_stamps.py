"""Answers remember when each part was last changed, so an older change that lands late is refused.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("responses", sa.Column("stamps", sa.JSON, nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table, which batch mode does.
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("stamps")
