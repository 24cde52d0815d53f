"""The question log as docbot made it before migrations (SQLite user_version 1): questions and their votes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the questions and feedback tables."""
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asked_at", sa.Double, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Double),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("top_document", sa.Text),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("outcome IN ('answered', 'not_covered', 'error')", name=op.f("ck_questions_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sqlite_autoincrement=True,
    )
    op.create_index("questions_normalized", "questions", ["normalized"])
    op.create_table(
        "feedback",
        sa.Column("question_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("vote", sa.Integer, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.CheckConstraint("vote IN (-1, 1)", name=op.f("ck_feedback_vote")),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], name=op.f("fk_feedback_question_id_questions")),
        sa.PrimaryKeyConstraint("question_id", "user_id", name=op.f("pk_feedback")),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("feedback")
    op.drop_table("questions")
