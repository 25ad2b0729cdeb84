"""procurement: contracts_pending (processes to compile), listing and text-search indexes

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contracts_pending',
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('ocid', sa.Text(), nullable=False),
    sa.Column('new_keys', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('recompile', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_contracts_pending_dataset_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dataset', 'ocid', name=op.f('pk_contracts_pending'))
    )
    # GET /contracts lists newest first: keyset on (date desc, id), undated contracts last.
    op.execute("CREATE INDEX ix_contracts_listing ON contracts "
               "((COALESCE(date, '-infinity'::timestamptz)) DESC, id)")
    # `q=` is a substring match on title and description; trigrams make ILIKE '%..%' indexable.
    op.execute("CREATE INDEX ix_contracts_text_trgm ON contracts USING gin "
               "((COALESCE(title, '') || ' ' || COALESCE(description, '')) gin_trgm_ops)")
    # "Who is behind this contract": suppliers by award date.
    op.create_index('ix_awards_date', 'awards', ['date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_awards_date', table_name='awards')
    op.drop_table('contracts_pending')
    op.execute('DROP INDEX ix_contracts_text_trgm')
    op.execute('DROP INDEX ix_contracts_listing')
