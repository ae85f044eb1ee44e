"""Running the team from the app: an administrator flag, a disabled state, and a password that
must be changed at the next sign-in (after an administrator's reset or a new account's temporary
password). An existing database's oldest account becomes its administrator.

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facilitators") as batch:
        batch.add_column(sa.Column("administrator", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE facilitators SET administrator = true WHERE id = "
        "(SELECT id FROM (SELECT id FROM facilitators ORDER BY created_at, id LIMIT 1) AS oldest)"
    )


def downgrade() -> None:
    with op.batch_alter_table("facilitators") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("disabled_at")
        batch.drop_column("administrator")
