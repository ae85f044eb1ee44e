"""An index on the participant an invitation admitted.

Deleting a participant (a withdrawal, a facilitator's removal, retention deleting old answers)
clears the invitation that admitted them, and without an index each deletion read the whole
invitations table for it: retention deleting a thousand participants read it a thousand times.

Revision ID: 0014
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invitations_participant_id", "invitations", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_invitations_participant_id", table_name="invitations")
