"""Question banks a facilitator edits in the app: a named bank owned by a facilitator, shared like
a cohort, and its numbered versions, each pointing to an immutable ``bank_versions`` text with a
summary of what changed. The shipped bank stays a file and is never a row here.

Revision ID: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_banks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "owner_id", sa.Integer, sa.ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("owner_id", "name"),
    )
    op.create_index("ix_question_banks_owner_id", "question_banks", ["owner_id"])
    op.create_table(
        "question_bank_shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "question_bank_id",
            sa.Integer,
            sa.ForeignKey("question_banks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "facilitator_id", sa.Integer, sa.ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("question_bank_id", "facilitator_id"),
    )
    op.create_table(
        "question_bank_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "question_bank_id",
            sa.Integer,
            sa.ForeignKey("question_banks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("bank_version_id", sa.Integer, sa.ForeignKey("bank_versions.id"), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column(
            "saved_by", sa.Integer, sa.ForeignKey("facilitators.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("question_bank_id", "number"),
    )


def downgrade() -> None:
    op.drop_table("question_bank_versions")
    op.drop_table("question_bank_shares")
    op.drop_index("ix_question_banks_owner_id", table_name="question_banks")
    op.drop_table("question_banks")
