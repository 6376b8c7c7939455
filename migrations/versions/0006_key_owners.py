"""The API key that owns each job, backtest and dataset (per-key quotas), and each dataset's
stored size.

Rows written before this revision have no owner (NULL: the bucket requests share with auth
off) and an estimated size: 8 bytes per value plus 80 per timestamp, what the stored arrays take
for ISO timestamps (the exact size needs the stored file, which a migration does not read).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("training_jobs", "backtests", "datasets")


def upgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner_key_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_owner_key_id_api_keys"),
                "api_keys",
                ["owner_key_id"],
                ["id"],
                ondelete="SET NULL",
            )
            batch.create_index(op.f(f"ix_{table}_owner_key_id"), ["owner_key_id"], unique=False)
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(
            sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0")
        )
    datasets = sa.table(
        "datasets",
        sa.column("id", sa.String()),
        sa.column("n_rows", sa.Integer()),
        sa.column("columns", sa.JSON()),
        sa.column("has_timestamps", sa.Boolean()),
        sa.column("size_bytes", sa.BigInteger()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(datasets.c.id, datasets.c.n_rows, datasets.c.columns, datasets.c.has_timestamps)
    ).all()
    for row in rows:
        n_columns = len(row.columns) if isinstance(row.columns, list) else 0
        size = row.n_rows * (8 * n_columns + (80 if row.has_timestamps else 0))
        connection.execute(datasets.update().where(datasets.c.id == row.id).values(size_bytes=size))
    with op.batch_alter_table("datasets") as batch:
        batch.alter_column("size_bytes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("size_bytes")
    for table in reversed(OWNED):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_owner_key_id"))
            batch.drop_constraint(op.f(f"fk_{table}_owner_key_id_api_keys"), type_="foreignkey")
            batch.drop_column("owner_key_id")
