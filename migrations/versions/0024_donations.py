"""donations: political finance, from a donor entity to a party

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-04 21:30:00.000000

One row per donation of a dataset, keyed by the source's reference; donor and recipient are
entities (a party is an organisation entity marked ``data.political_party``; accounting
units are named on the donation and belong to their party).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0024'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'donations',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('dataset', sa.Text(), nullable=False),
        sa.Column('source_ref', sa.Text(), nullable=False),
        sa.Column('donor_id', sa.BigInteger(), nullable=True),
        sa.Column('donor_name', sa.Text(), nullable=False),
        sa.Column('donor_type', sa.Text(), nullable=True),
        sa.Column('recipient_id', sa.BigInteger(), nullable=True),
        sa.Column('recipient_name', sa.Text(), nullable=False),
        sa.Column('recipient_type', sa.Text(), nullable=True),
        sa.Column('accounting_unit', sa.Text(), nullable=True),
        sa.Column('value', sa.Numeric(), nullable=True),
        sa.Column('currency', sa.Text(), nullable=True),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('accepted_date', sa.Date(), nullable=True),
        sa.Column('received_date', sa.Date(), nullable=True),
        sa.Column('reported_date', sa.Date(), nullable=True),
        sa.Column('type', sa.Text(), nullable=True),
        sa.Column('nature', sa.Text(), nullable=True),
        sa.Column('status', sa.Text(), nullable=True),
        sa.Column('reporting_period', sa.Text(), nullable=True),
        sa.Column('data', postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('content_hash', sa.Text(), nullable=False),
        sa.Column('import_run_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['dataset'], ['datasets.name'],
                                name=op.f('fk_donations_dataset_datasets')),
        sa.ForeignKeyConstraint(['donor_id'], ['entities.id'],
                                name=op.f('fk_donations_donor_id_entities'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['recipient_id'], ['entities.id'],
                                name=op.f('fk_donations_recipient_id_entities'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_donations')),
        sa.UniqueConstraint('dataset', 'source_ref',
                            name=op.f('uq_donations_dataset_source_ref')),
    )
    op.create_index(op.f('ix_donations_donor_id_date'), 'donations', ['donor_id', 'date'])
    op.create_index(op.f('ix_donations_recipient_id_date'), 'donations',
                    ['recipient_id', 'date'])
    op.create_index('ix_donations_listing', 'donations',
                    [sa.text('date DESC NULLS LAST'), sa.text('id DESC')])


def downgrade() -> None:
    op.drop_index('ix_donations_listing', table_name='donations')
    op.drop_index(op.f('ix_donations_recipient_id_date'), table_name='donations')
    op.drop_index(op.f('ix_donations_donor_id_date'), table_name='donations')
    op.drop_table('donations')
