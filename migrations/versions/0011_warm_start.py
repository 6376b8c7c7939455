"""Warm start (issue 16 item 2): a version's parent and stored weights; a job's trigger and
promotion policy.

Versions and jobs from before this revision have none: weights_uri, parent_version_id, promote and
trigger are null.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("weights_uri", sa.String(length=1024), nullable=True))
        batch.add_column(sa.Column("parent_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_model_versions_parent_version_id_model_versions"),
            "model_versions",
            ["parent_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            op.f("ix_model_versions_parent_version_id"), ["parent_version_id"], unique=False
        )
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("promote", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("trigger", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("trigger")
        batch.drop_column("promote")
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_index(op.f("ix_model_versions_parent_version_id"))
        batch.drop_constraint(
            op.f("fk_model_versions_parent_version_id_model_versions"), type_="foreignkey"
        )
        batch.drop_column("parent_version_id")
        batch.drop_column("weights_uri")
