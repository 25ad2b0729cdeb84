"""users.password_changed_at: a password change signs the account out everywhere

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 18:00:00.000000

Access tokens are signed, not stored (registry/auth/tokens.py), so a password change
cannot delete them; instead a token issued before the account's last password change is
refused (registry/auth/principal.py). Null: never changed since the account was created.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | Sequence[str] | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True),
                                     nullable=True))


def downgrade() -> None:
    op.drop_column("users", "password_changed_at")
