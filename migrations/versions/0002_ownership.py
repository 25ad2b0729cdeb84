"""ownership: relationship party keys, unspecified subjects, version lookups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00

A relationship keeps the source keys of its parties (BODS recordIds) so that a statement
may arrive before the entity it names: the id is filled in once that entity is imported.
BODS 0.4 lets the subject be an "unspecified record" too, so ``subject_id`` may be NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('relationships', sa.Column('subject_key', sa.Text(), nullable=True))
    op.add_column('relationships', sa.Column('interested_party_key', sa.Text(), nullable=True))
    op.add_column('relationships', sa.Column('subject_unspecified', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.alter_column('relationships', 'subject_id', existing_type=sa.BigInteger(), nullable=True)
    # Every version of one relationship record (the unique index covers current rows only).
    op.create_index('ix_relationships_dataset_source_key', 'relationships', ['dataset', 'source_key', 'valid_from'], unique=False)
    # Parties named before they were imported: small partial indexes, cheap to resolve.
    op.create_index('ix_relationships_dangling_subject', 'relationships', ['dataset', 'subject_key'], unique=False, postgresql_where=sa.text('subject_id IS NULL AND subject_key IS NOT NULL'))
    op.create_index('ix_relationships_dangling_party', 'relationships', ['dataset', 'interested_party_key'], unique=False, postgresql_where=sa.text('interested_party_id IS NULL AND interested_party_key IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_relationships_dangling_party', table_name='relationships')
    op.drop_index('ix_relationships_dangling_subject', table_name='relationships')
    op.drop_index('ix_relationships_dataset_source_key', table_name='relationships')
    op.execute('DELETE FROM relationships WHERE subject_id IS NULL')
    op.alter_column('relationships', 'subject_id', existing_type=sa.BigInteger(), nullable=False)
    op.drop_column('relationships', 'subject_unspecified')
    op.drop_column('relationships', 'interested_party_key')
    op.drop_column('relationships', 'subject_key')
