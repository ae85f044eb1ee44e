"""Core tables: facilitators, cohorts, partnerships, bank versions, workshops, participants, answers.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("facilitators.id")),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("partnerships.id")),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("cohort_id", "name"),
        sa.CheckConstraint(
            "kind IN ('ics', 'place', 'provider-collaborative', 'neighbourhood', 'other')",
            name="partnership_kind",
        ),
    )
    op.create_table(
        "bank_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bank_id", sa.String(80), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("yaml_text", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partnership_id", sa.Integer, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("bank_version_id", sa.Integer, sa.ForeignKey("bank_versions.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("round_label", sa.String(80)),
        sa.Column("join_code", sa.String(8), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("revealed", sa.Boolean, nullable=False),
        sa.Column("domains", sa.JSON, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="workshop_status"),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshops.id"), nullable=False, index=True),
        sa.Column("resume_token", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("sector", sa.String(80), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200)),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("workshop_id", "label"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("item_id", sa.String(80), nullable=False),
        sa.Column("current", sa.Integer),
        sa.Column("target", sa.Integer),
        sa.Column("dont_know", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("tiers", sa.JSON),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("participant_id", "item_id"),
    )


def downgrade() -> None:
    for table in (
        "responses",
        "participants",
        "workshops",
        "bank_versions",
        "partnerships",
        "cohorts",
        "facilitators",
    ):
        op.drop_table(table)
