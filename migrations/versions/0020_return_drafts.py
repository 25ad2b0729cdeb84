"""returns.draft: a registrant's unfinished return, kept apart from the filed one

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 18:30:00.000000

A draft is saved as often as its author likes and is seen by the registrant's members
and registrars only; filing the return clears it. It lives beside the filed content, so drafting an
amendment never hides the return the public sees. A row that holds only a draft has the
status ``draft`` (no return filed yet).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0020'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("returns", sa.Column("draft", postgresql.JSONB(), nullable=True))
    op.add_column("returns", sa.Column("draft_saved_at", sa.DateTime(timezone=True),
                                       nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM returns WHERE status = 'draft'")
    op.drop_column("returns", "draft_saved_at")
    op.drop_column("returns", "draft")
