"""Facilitator sessions kept in the database: a sign-in survives a refresh, a second tab, a server
restart and another replica, and ends on sign-out, a password change or the account's removal.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitator_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "facilitator_id", sa.Integer, sa.ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_facilitator_sessions_facilitator_id", "facilitator_sessions", ["facilitator_id"])


def downgrade() -> None:
    op.drop_index("ix_facilitator_sessions_facilitator_id", table_name="facilitator_sessions")
    op.drop_table("facilitator_sessions")
