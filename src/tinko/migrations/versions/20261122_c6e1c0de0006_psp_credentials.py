"""psp credentials

Revision ID: c6e1c0de0006
Revises: b5e1c0de0005
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

revision: str = "c6e1c0de0006"
down_revision: str | None = "b5e1c0de0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
