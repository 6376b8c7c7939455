"""Forecast jobs: whole-dataset forecasts of a model version, run as chunked worker jobs.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="forecast_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("future_dataset_id", sa.String(length=32), nullable=True),
        sa.Column("series", sa.JSON(), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("series_total", sa.Integer(), nullable=False),
        sa.Column("series_done", sa.Integer(), nullable=False),
        sa.Column("series_short", sa.Integer(), nullable=False),
        sa.Column("chunks_total", sa.Integer(), nullable=False),
        sa.Column("chunks_done", sa.JSON(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("result_uri", sa.String(length=1024), nullable=True),
        sa.Column("result_bytes", sa.BigInteger(), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("owner_key_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_forecast_jobs_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_forecast_jobs_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["future_dataset_id"],
            ["datasets.id"],
            name=op.f("fk_forecast_jobs_future_dataset_id_datasets"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_key_id"],
            ["api_keys.id"],
            name=op.f("fk_forecast_jobs_owner_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_forecast_jobs_idempotency_key")),
    )
    op.create_index(op.f("ix_forecast_jobs_status"), "forecast_jobs", ["status"], unique=False)
    op.create_index(
        op.f("ix_forecast_jobs_version_id"), "forecast_jobs", ["version_id"], unique=False
    )
    op.create_index(
        op.f("ix_forecast_jobs_dataset_id"), "forecast_jobs", ["dataset_id"], unique=False
    )
    op.create_index(
        op.f("ix_forecast_jobs_owner_key_id"), "forecast_jobs", ["owner_key_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_forecast_jobs_owner_key_id"), table_name="forecast_jobs")
    op.drop_index(op.f("ix_forecast_jobs_dataset_id"), table_name="forecast_jobs")
    op.drop_index(op.f("ix_forecast_jobs_version_id"), table_name="forecast_jobs")
    op.drop_index(op.f("ix_forecast_jobs_status"), table_name="forecast_jobs")
    op.drop_table("forecast_jobs")
