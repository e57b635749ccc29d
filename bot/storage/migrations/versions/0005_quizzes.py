"""quizzes: assignments and attempts; the quiz a deadline event is for

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quiz_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("order", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_quiz_attempt_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempt_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_quiz_attempt_member_quiz", ["member_id", "quiz_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempt_quiz_id"), ["quiz_id"], unique=False)

    op.create_table(
        "quiz_assignment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quiz_id", sa.String(length=80), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assigned_by"], ["member.id"], name=op.f("fk_quiz_assignment_assigned_by_member")),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_quiz_assignment_event_id_event")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_quiz_assignment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_assignment")),
        sa.UniqueConstraint("quiz_id", "unit_id", name="uq_quiz_assignment_quiz_unit"),
    )
    with op.batch_alter_table("quiz_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_assignment_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiz_id", sa.String(length=80), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("quiz_id")

    with op.batch_alter_table("quiz_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_assignment_unit_id"))

    op.drop_table("quiz_assignment")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_quiz_id"))
        batch_op.drop_index("ix_quiz_attempt_member_quiz")
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_member_id"))

    op.drop_table("quiz_attempt")
