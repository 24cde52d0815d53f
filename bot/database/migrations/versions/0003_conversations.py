"""Where a question was asked on Discord, who asked, its answer's message, and the question it follows up.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_INDEXED = ("answer_message_id", "thread_id", "parent_id")
_PARENT_FK = "fk_questions_parent_id_questions"


def upgrade() -> None:
    """Add the conversation columns (all nullable: earlier questions have none) and their indexes."""
    for name in ("user_id", "channel_id", "message_id", "answer_message_id", "thread_id"):
        op.add_column("questions", sa.Column(name, sa.BigInteger))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes no ALTER ... ADD CONSTRAINT: the REFERENCES goes inline, and the table is not copied.
        parent = sa.ForeignKey("questions.id", ondelete="SET NULL")
        op.add_column("questions", sa.Column("parent_id", sa.Integer, parent), inline_references=True)
    else:
        op.add_column("questions", sa.Column("parent_id", sa.Integer))
        op.create_foreign_key(op.f(_PARENT_FK), "questions", "questions", ["parent_id"], ["id"], ondelete="SET NULL")
    for name in _INDEXED:
        op.create_index(op.f(f"ix_questions_{name}"), "questions", [name])
    op.create_index(op.f("ix_questions_asked_at"), "questions", ["asked_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_questions_asked_at", "questions")
    for name in _INDEXED:
        op.drop_index(f"ix_questions_{name}", "questions")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_PARENT_FK, "questions", type_="foreignkey")
    with op.batch_alter_table("questions") as batch:
        for name in ("parent_id", "thread_id", "answer_message_id", "message_id", "channel_id", "user_id"):
            batch.drop_column(name)
