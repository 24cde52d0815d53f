"""Each question keeps the JSON its answer's "More passages" needs (SQLite user_version 2 before migrations).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add questions.payload (JSON as TEXT)."""
    op.add_column("questions", sa.Column("payload", sa.Text))


def downgrade() -> None:
    """Drop questions.payload."""
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("payload")
