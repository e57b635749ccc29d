"""zalo_oa: the Official Account's OAuth tokens; each account's last interaction and messaging window

Revision ID: 0006_zalo_oa
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_zalo_oa"
down_revision = "0006_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_oa_token",
        sa.Column("oa_id", sa.String(length=40), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("oa_id", name=op.f("pk_zalo_oa_token")),
    )
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("window_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.drop_column("window_until")
        batch_op.drop_column("last_seen_at")
    op.drop_table("zalo_oa_token")
