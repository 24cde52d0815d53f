"""Per-user cooldowns shared by every process of the bot.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create cooldowns (empty: nobody is waiting)."""
    op.create_table(
        "cooldowns",
        sa.Column("user_id", sa.BigInteger, autoincrement=False),
        sa.Column("kind", sa.Text),
        sa.Column("until", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_cooldowns")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("cooldowns")
