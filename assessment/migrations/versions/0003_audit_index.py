"""Index the audit log by target and action: every sign-in counts that email's recent failures.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_target_action", "audit_log", ["target", "action"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_target_action", table_name="audit_log")
