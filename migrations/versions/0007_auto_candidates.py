"""`"architecture": "auto"`: candidate jobs and the leaderboard.

An auto training job is a parent row; each candidate (an architecture and hyperparameters) is a
training job of its own whose `parent_id` names it, with its validation metrics and, once
exported and stored, the fields registering it would write (`artifact`). The version the auto job
registers keeps every candidate's outcome in `leaderboard`. Existing rows have none of these.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("metrics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("artifact", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_training_jobs_parent_id_training_jobs"),
            "training_jobs",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_training_jobs_parent_id"), ["parent_id"], unique=False)
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("leaderboard", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("leaderboard")
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_index(op.f("ix_training_jobs_parent_id"))
        batch.drop_constraint(op.f("fk_training_jobs_parent_id_training_jobs"), type_="foreignkey")
        batch.drop_column("artifact")
        batch.drop_column("metrics")
        batch.drop_column("parent_id")
