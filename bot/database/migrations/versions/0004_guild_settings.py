"""Each server's choices (/settings): answer mode and language, and the channels it picked.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create guild_settings and guild_channels (empty: every server starts with the defaults)."""
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger, autoincrement=False),
        sa.Column("answer_mode", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("updated_by", sa.BigInteger),
        sa.CheckConstraint("answer_mode IN ('reply', 'thread')", name=op.f("ck_guild_settings_answer_mode")),
        sa.CheckConstraint("language IN ('auto', 'fr', 'en')", name=op.f("ck_guild_settings_language")),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "guild_channels",
        sa.Column("guild_id", sa.BigInteger, autoincrement=False),
        sa.Column("channel_id", sa.BigInteger, autoincrement=False),
        sa.Column("purpose", sa.Text),
        sa.Column("added_at", sa.Double, nullable=False),
        sa.Column("added_by", sa.BigInteger),
        sa.CheckConstraint("purpose IN ('mentions', 'forum')", name=op.f("ck_guild_channels_purpose")),
        sa.PrimaryKeyConstraint("guild_id", "channel_id", "purpose", name=op.f("pk_guild_channels")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("guild_channels")
    op.drop_table("guild_settings")
