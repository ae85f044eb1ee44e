"""Each closed round's figures, kept when retention deletes its individual answers.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retained_rounds",
        sa.Column(
            "workshop_id",
            sa.Integer,
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("participants_deleted", sa.Integer, nullable=False),
        sa.Column("answers_deleted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "round_figures",
        sa.Column(
            "workshop_id",
            sa.Integer,
            sa.ForeignKey("retained_rounds.workshop_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("domain_id", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("current", sa.Float, nullable=True),
        sa.Column("target", sa.Float, nullable=True),
        sa.Column("gap", sa.Float, nullable=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("rated_n", sa.Integer, nullable=False),
        sa.Column("items_shown", sa.Integer, nullable=False),
        sa.Column("withheld", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("round_figures")
    op.drop_table("retained_rounds")
