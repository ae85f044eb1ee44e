"""Cohorts shared with other facilitators: a facilitator sees the cohorts they own or are shared.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohort_shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "facilitator_id", sa.Integer, sa.ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("cohort_id", "facilitator_id"),
    )


def downgrade() -> None:
    op.drop_table("cohort_shares")
