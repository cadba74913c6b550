"""notifications templates optouts

Revision ID: d7e1c0de0007
Revises: c6e1c0de0006
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

revision: str = "d7e1c0de0007"
down_revision: str | None = "c6e1c0de0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
