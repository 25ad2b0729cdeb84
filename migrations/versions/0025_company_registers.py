"""entity_names.valid_from/valid_to: names with the dates they were in force

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-04 21:40:00.000000

A company register gives a company's previous names with the date each changed
(Companies House: up to ten). A name keeps its type (``legal`` for the name in force,
``former`` for a previous one) and, when the source says so, the first and last day it was
the company's name. Unknown dates stay NULL: a name without dates is in force at any date.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | Sequence[str] | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("entity_names", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("entity_names", sa.Column("valid_to", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("entity_names", "valid_to")
    op.drop_column("entity_names", "valid_from")
