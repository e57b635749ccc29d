"""unit code: the organisation code that content files name in ``scope``

Revision ID: 0006_unit_code
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_unit_code"
down_revision = "0006_rollcall"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_unit_code"), ["code"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_code"))
        batch_op.drop_column("code")
