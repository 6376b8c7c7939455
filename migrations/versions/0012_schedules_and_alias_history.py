"""Refresh schedules (read by the Celery beat scheduler) and the alias history (issue 16 items 3-4).

Aliases set before this revision have no history: their first event is the next change.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_schedules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column("promote", sa.String(length=16), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("refresh_when", sa.JSON(), nullable=True),
        sa.Column("early_version_id", sa.Integer(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_run_count", sa.Integer(), nullable=False),
        sa.Column("last_job_id", sa.String(length=32), nullable=True),
        sa.Column("last_outcome", sa.String(length=500), nullable=True),
        sa.Column("owner_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_schedules_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_job_id"],
            ["training_jobs.id"],
            name=op.f("fk_model_schedules_last_job_id_training_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["early_version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_schedules_early_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_key_id"],
            ["api_keys.id"],
            name=op.f("fk_model_schedules_owner_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_schedules")),
        sa.UniqueConstraint("model_id", name=op.f("uq_model_schedules_model_id")),
    )
    op.create_index(
        op.f("ix_model_schedules_owner_key_id"), "model_schedules", ["owner_key_id"], unique=False
    )
    op.create_table(
        "alias_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("challenger_version", sa.Integer(), nullable=True),
        sa.Column("challenger_score", sa.Float(), nullable=True),
        sa.Column("champion_score", sa.Float(), nullable=True),
        sa.Column("metric", sa.String(length=16), nullable=True),
        sa.Column("folds", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_alias_events_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["training_jobs.id"],
            name=op.f("fk_alias_events_job_id_training_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alias_events")),
    )
    op.create_index(
        "ix_alias_events_model_id_alias", "alias_events", ["model_id", "alias", "id"], unique=False
    )
    op.create_index(op.f("ix_alias_events_job_id"), "alias_events", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alias_events_job_id"), table_name="alias_events")
    op.drop_index("ix_alias_events_model_id_alias", table_name="alias_events")
    op.drop_table("alias_events")
    op.drop_index(op.f("ix_model_schedules_owner_key_id"), table_name="model_schedules")
    op.drop_table("model_schedules")
