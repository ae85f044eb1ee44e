"""The slide on show for each workshop's presenter view: kept in the database, so the projector tab
follows the facilitator's own device, survives a reload and reads the same on every replica.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presenter_slides",
        sa.Column(
            "workshop_id",
            sa.Integer,
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("slide", sa.String(120), nullable=False),
        sa.Column("shown_by", sa.String(320), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("presenter_slides")
