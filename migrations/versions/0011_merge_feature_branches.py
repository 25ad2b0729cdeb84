"""Merge the feature branches of the migration graph into one head

The features were built in parallel, each with its own migration on top of 0001; from here
on there is one line again, so the next migration has a single parent.

Revision ID: 0011
Revises: 0002, 0003, 0004, 0005, 0007, 0010
Create Date: 2026-11-23 09:43:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004", "0005", "0007", "0010")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
