"""scale: outbox priority and its claim index; reminders and broadcasts queued in chunks (a cursor) and a
reminder's early start; the bot an account came through; what purged outbox rows leave behind

Revision ID: 0010_scale
Revises: 0006_unit_code
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_scale"
down_revision = "0006_unit_code"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="50", nullable=False))
        batch_op.create_index("ix_outbox_claim", ["status", "priority", "due_at", "id"], unique=False)
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cursor", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="queued", nullable=False))
        batch_op.add_column(sa.Column("cursor", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("token", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_broadcast_token"), ["token"])
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot", sa.String(length=40), nullable=True))
    op.create_table(
        "outbox_summary",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcast.id"], name=op.f("fk_outbox_summary_broadcast_id_broadcast")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_outbox_summary_event_id_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_summary")),
    )
    with op.batch_alter_table("outbox_summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_summary_broadcast_id"), ["broadcast_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_summary_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outbox_summary")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("bot")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_broadcast_token"), type_="unique")
        batch_op.drop_column("token")
        batch_op.drop_column("cursor")
        batch_op.drop_column("status")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("cursor")
        batch_op.drop_column("start_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_claim")
        batch_op.drop_column("priority")
