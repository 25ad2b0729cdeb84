"""lobbying: registrant status reason and dates

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Why an entry is suspended/deregistered/rejected, when that happened, and when the
    # entry was first published (returns are owed from that period on).
    op.add_column('registrants', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('registrants', sa.Column('status_changed_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.add_column('registrants', sa.Column('registered_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.create_index(op.f('ix_registrants_status'), 'registrants', ['status'], unique=False)
    op.create_index(op.f('ix_meeting_officials_name'), 'meeting_officials', ['name'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_meeting_officials_name'), table_name='meeting_officials')
    op.drop_index(op.f('ix_registrants_status'), table_name='registrants')
    op.drop_column('registrants', 'registered_at')
    op.drop_column('registrants', 'status_changed_at')
    op.drop_column('registrants', 'status_reason')
