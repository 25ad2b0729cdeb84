"""name key stats: the blocking keys known to be common, so searches need not count them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 14:40:00.000000

The key stage of a search (search/blocking.py) skips a key found in more names than its
cap and weighs the others by their count. Counting is an index scan of up to ``cap + 1``
postings for every key of every query, in every pass: at 1M names it was a third of the
work of a linking batch's later passes, spent on keys (legal forms, "group", "trading")
that are common every time. ``name_key_stats`` holds the keys found in more than 50 names
(the lowest cap) with their count at the last refresh (search/key_stats.py: before a linking run when names have
grown by a tenth since the last refresh, and after ``registry index rebuild``). A key listed there above a pass's cap is skipped without counting; every other
key is counted live, as before. So a stale table only costs speed, except that a key whose
names were deleted below the cap since the refresh is still skipped until the next one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "name_key_stats",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("df", sa.Integer(), nullable=False),
    )
    # One row: the newest name at the last refresh, to tell when names have grown enough
    # for the list to be stale (search/key_stats.py).
    op.create_table(
        "name_key_stats_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name_id", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="one_row"),
    )


def downgrade() -> None:
    op.drop_table("name_key_stats_state")
    op.drop_table("name_key_stats")
