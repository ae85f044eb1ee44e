"""Evidence beside a domain's agreed level: short notes, each with an optional web link.

Revision ID: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consensus_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshops.id"), nullable=False),
        sa.Column("domain_id", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("link", sa.String(2000), nullable=False),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_consensus_evidence_workshop_domain", "consensus_evidence", ["workshop_id", "domain_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_consensus_evidence_workshop_domain", table_name="consensus_evidence")
    op.drop_table("consensus_evidence")
