"""Datasets of many series (series summary, count, inferred frequency); quantile levels on
model versions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get their values from the server defaults, which are then dropped: the
    # application always sets these columns itself.
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("n_series", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("series", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("frequency", sa.String(length=32), nullable=True))
    with op.batch_alter_table("datasets") as batch:
        batch.alter_column("n_series", server_default=None)
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(
            sa.Column("quantiles", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("model_versions") as batch:
        batch.alter_column("quantiles", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("quantiles")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("frequency")
        batch.drop_column("series")
        batch.drop_column("n_series")
