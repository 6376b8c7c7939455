"""Warm start: a version's parent version and stored weights; a job's trigger and promotion policy. (issue 16 item 2)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: filled by the change that owns this revision


def downgrade() -> None:
    pass
