"""Answers remember when each part was last changed, so an older change that lands late is refused,
and at which of the participant's writes, so an open page knows which parts changed elsewhere.

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
    op.add_column("responses", sa.Column("revisions", sa.JSON, nullable=True))
    op.add_column(
        "participants", sa.Column("answers_revision", sa.Integer, nullable=False, server_default="0")
    )


def downgrade() -> None:
    # SQLite drops a column only by copying the table, which batch mode does.
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("answers_revision")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("revisions")
        batch.drop_column("stamps")
