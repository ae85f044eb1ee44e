"""The re-rate round (the Delphi step done in the room): a workshop's one round, on the questions the
facilitator chose, and each participant's re-rate answers beside, never over, their first answers.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rerate_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workshop_id",
            sa.Integer,
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("item_ids", sa.JSON, nullable=False),
        sa.Column("opened_by", sa.String(320), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "rerate_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "round_id", sa.Integer, sa.ForeignKey("rerate_rounds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "participant_id",
            sa.Integer,
            sa.ForeignKey("participants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.String(80), nullable=False),
        sa.Column("current", sa.Integer, nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("round_id", "participant_id", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("rerate_answers")
    op.drop_table("rerate_rounds")
