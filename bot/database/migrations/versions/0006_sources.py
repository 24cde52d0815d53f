"""Sources of documents (`docbot sources`): websites and git repositories, each under documents/<name>/.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create sources (empty: documents copied by hand have no source)."""
    op.create_table(
        "sources",
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("branch", sa.Text),
        sa.Column("subdir", sa.Text),
        sa.Column("added_at", sa.Double, nullable=False),
        sa.Column("synced_at", sa.Double),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("kind IN ('website', 'git')", name=op.f("ck_sources_kind")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sources")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("sources")
