"""Refresh schedules (read by the Celery beat scheduler) and the alias history with the promotion gate's scores. (issue 16 items 3, 4)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: filled by the change that owns this revision


def downgrade() -> None:
    pass
