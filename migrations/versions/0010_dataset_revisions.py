"""Dataset revisions: appended rows make a new revision; jobs and versions record theirs.

(issue 16 item 1)

Every existing dataset becomes revision 1 of itself (its row's file, counts and series), and
every existing job, version and forecast read revision 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDING = ("datasets", "training_jobs", "model_versions", "forecast_jobs")
"""Tables that get a revision column (datasets: its newest; the others: the one they read)."""


def upgrade() -> None:
    op.create_table(
        "dataset_revisions",
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("artifact_uri", sa.String(length=1024), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_series", sa.Integer(), nullable=False),
        sa.Column("series", sa.JSON(), nullable=True),
        sa.Column("frequency", sa.String(length=32), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("appended_rows", sa.Integer(), nullable=False),
        sa.Column("replaced_rows", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_revisions_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "revision", name=op.f("pk_dataset_revisions")),
    )
    for table in RECORDING:
        column = "revision" if table == "datasets" else "dataset_revision"
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="1"))
    op.execute(
        "INSERT INTO dataset_revisions (dataset_id, revision, sha256, artifact_uri, n_rows, "
        "n_series, series, frequency, size_bytes, appended_rows, replaced_rows, created_at) "
        "SELECT id, 1, sha256, artifact_uri, n_rows, n_series, series, frequency, size_bytes, "
        "n_rows, 0, created_at FROM datasets"
    )


def downgrade() -> None:
    for table in reversed(RECORDING):
        column = "revision" if table == "datasets" else "dataset_revision"
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    op.drop_table("dataset_revisions")
