"""roll-call: roll-calls per cell, attendance marks, exempt members, make-up sessions and their audience,
installation secrets

Revision ID: 0006_rollcall
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_rollcall"
down_revision = "0006_zalo_oa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("makeup_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("makeup_occurrence", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_event_makeup_of"), ["makeup_of"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_event_makeup_of_event"), "event", ["makeup_of"], ["id"])

    op.create_table(
        "event_audience",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_event_audience_event_id_event")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_event_audience_member_id_member")),
        sa.PrimaryKeyConstraint("event_id", "member_id", name=op.f("pk_event_audience")),
    )
    with op.batch_alter_table("event_audience", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_audience_member_id"), ["member_id"], unique=False)

    op.create_table(
        "roll_call",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_roll_call_event_id_event")),
        sa.ForeignKeyConstraint(["opened_by"], ["member.id"], name=op.f("fk_roll_call_opened_by_member")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_roll_call_unit_id_unit")),
        sa.PrimaryKeyConstraint("event_id", "occurrence_at", "unit_id", name=op.f("pk_roll_call")),
    )
    with op.batch_alter_table("roll_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roll_call_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "attendance_mark",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_attendance_mark_event_id_event")),
        sa.ForeignKeyConstraint(["marked_by"], ["member.id"], name=op.f("fk_attendance_mark_marked_by_member")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_attendance_mark_member_id_member")),
        sa.PrimaryKeyConstraint("event_id", "occurrence_at", "member_id", name=op.f("pk_attendance_mark")),
    )
    with op.batch_alter_table("attendance_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_mark_member_id"), ["member_id"], unique=False)

    op.create_table(
        "exemption",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["marked_by"], ["member.id"], name=op.f("fk_exemption_marked_by_member")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_exemption_member_id_member")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_exemption")),
    )

    op.create_table(
        "installation_secret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_secret")),
    )


def downgrade() -> None:
    op.drop_table("installation_secret")
    op.drop_table("exemption")
    with op.batch_alter_table("attendance_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_mark_member_id"))
    op.drop_table("attendance_mark")
    with op.batch_alter_table("roll_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roll_call_unit_id"))
    op.drop_table("roll_call")
    with op.batch_alter_table("event_audience", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_audience_member_id"))
    op.drop_table("event_audience")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_event_makeup_of_event"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_event_makeup_of"))
        batch_op.drop_column("makeup_occurrence")
        batch_op.drop_column("makeup_of")
