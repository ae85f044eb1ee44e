"""Answering ahead: a closing time on a workshop (stored in UTC, empty for none), and per-person
invitations, each a random token of which only the SHA-256 hash is kept.

Revision ID: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workshop_id", sa.Integer, sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column(
            "participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_invitations_workshop_id", "invitations", ["workshop_id"])


def downgrade() -> None:
    op.drop_index("ix_invitations_workshop_id", table_name="invitations")
    op.drop_table("invitations")
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("closes_at")
