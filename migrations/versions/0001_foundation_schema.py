"""foundation schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 07:09:46.598025
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Trusted extensions since PostgreSQL 13: a database owner may create them.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.Text(), server_default=sa.text("'system'"), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('object_type', sa.Text(), nullable=False),
    sa.Column('object_id', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('ip', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_object_type_object_id'), 'audit_log', ['object_type', 'object_id'], unique=False)
    op.create_table('datasets',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('source', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('licence', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_datasets'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('ip', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index(op.f('ix_login_attempts_email_at'), 'login_attempts', ['email', 'at'], unique=False)
    op.create_index(op.f('ix_login_attempts_ip_at'), 'login_attempts', ['ip', 'at'], unique=False)
    op.create_table('search_outbox',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    op.create_index(op.f('ix_search_outbox_entity_id'), 'search_outbox', ['entity_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), server_default=sa.text("'registrant'"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('prefix', sa.Text(), nullable=False),
    sa.Column('key_hash', sa.Text(), nullable=False),
    sa.Column('scopes', sa.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_index(op.f('ix_api_keys_user_id'), 'api_keys', ['user_id'], unique=False)
    op.create_table('import_runs',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('paths', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'running'"), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('checkpoint', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_import_runs_dataset_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_index(op.f('ix_import_runs_dataset'), 'import_runs', ['dataset'], unique=False)
    op.create_table('entities',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('jurisdiction', sa.Text(), nullable=True),
    sa.Column('legal_form', sa.Text(), nullable=True),
    sa.Column('founding_date', sa.Text(), nullable=True),
    sa.Column('dissolution_date', sa.Text(), nullable=True),
    sa.Column('birth_date', sa.Text(), nullable=True),
    sa.Column('nationalities', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('addresses', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('restricted', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('statement_id', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_closed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('retrieved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('company', 'person', 'public_body')", name=op.f('ck_entities_kind')),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_entities_dataset_datasets')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_entities_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entities')),
    sa.UniqueConstraint('dataset', 'source_key', name=op.f('uq_entities_dataset_source_key'))
    )
    op.create_index(op.f('ix_entities_updated_at_id'), 'entities', ['updated_at', 'id'], unique=False)
    op.create_table('import_errors',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('position', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_errors_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_errors'))
    )
    op.create_index(op.f('ix_import_errors_run_id'), 'import_errors', ['run_id'], unique=False)
    op.create_table('record_versions',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('record_type', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('version_key', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('seq', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_record_versions_dataset_datasets')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_record_versions_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_versions')),
    sa.UniqueConstraint('dataset', 'record_type', 'version_key', name=op.f('uq_record_versions_dataset_record_type_version_key'))
    )
    op.create_index(op.f('ix_record_versions_dataset_record_type_source_key_valid_from'), 'record_versions', ['dataset', 'record_type', 'source_key', 'valid_from'], unique=False)
    op.create_table('contracts',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('ocid', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('buyer_id', sa.BigInteger(), nullable=True),
    sa.Column('value_amount', sa.Numeric(), nullable=True),
    sa.Column('value_currency', sa.Text(), nullable=True),
    sa.Column('date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('compiled', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('release_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['entities.id'], name=op.f('fk_contracts_buyer_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_contracts_dataset_datasets')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_contracts_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('dataset', 'ocid', name=op.f('uq_contracts_dataset_ocid'))
    )
    op.create_index(op.f('ix_contracts_buyer_id'), 'contracts', ['buyer_id'], unique=False)
    op.create_index(op.f('ix_contracts_ocid'), 'contracts', ['ocid'], unique=False)
    op.create_index(op.f('ix_contracts_updated_at_id'), 'contracts', ['updated_at', 'id'], unique=False)
    op.create_table('entity_identifiers',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('scheme', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('normalized', sa.Text(), nullable=False),
    sa.Column('scheme_name', sa.Text(), nullable=True),
    sa.Column('uri', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_entity_identifiers_entity_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_identifiers'))
    )
    op.create_index(op.f('ix_entity_identifiers_entity_id'), 'entity_identifiers', ['entity_id'], unique=False)
    op.create_index(op.f('ix_entity_identifiers_normalized'), 'entity_identifiers', ['normalized'], unique=False)
    op.create_index(op.f('ix_entity_identifiers_scheme_normalized'), 'entity_identifiers', ['scheme', 'normalized'], unique=False)
    op.create_table('entity_names',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), server_default=sa.text("'legal'"), nullable=False),
    sa.Column('lang', sa.Text(), nullable=True),
    sa.Column('normalized', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_entity_names_entity_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_names'))
    )
    op.create_index(op.f('ix_entity_names_entity_id'), 'entity_names', ['entity_id'], unique=False)
    op.create_index('ix_entity_names_normalized_trgm', 'entity_names', ['normalized'], unique=False, postgresql_using='gin', postgresql_ops={'normalized': 'gin_trgm_ops'})
    op.create_table('links',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('left_id', sa.BigInteger(), nullable=False),
    sa.Column('right_id', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('matcher_version', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('auto', 'candidate', 'confirmed', 'rejected')", name=op.f('ck_links_status')),
    sa.CheckConstraint('left_id < right_id', name=op.f('ck_links_ordered')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_links_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['left_id'], ['entities.id'], name=op.f('fk_links_left_id_entities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['right_id'], ['entities.id'], name=op.f('fk_links_right_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links')),
    sa.UniqueConstraint('left_id', 'right_id', name=op.f('uq_links_left_id_right_id'))
    )
    op.create_index(op.f('ix_links_right_id'), 'links', ['right_id'], unique=False)
    op.create_index(op.f('ix_links_status_score'), 'links', ['status', 'score'], unique=False)
    op.create_table('registrants',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('registration_number', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'draft'"), nullable=False),
    sa.Column('current_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('published_version', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_registrants_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_registrants_entity_id_entities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrants')),
    sa.UniqueConstraint('registration_number', name=op.f('uq_registrants_registration_number'))
    )
    op.create_index(op.f('ix_registrants_entity_id'), 'registrants', ['entity_id'], unique=False)
    op.create_table('relationships',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('interested_party_id', sa.BigInteger(), nullable=True),
    sa.Column('interested_unspecified', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('component_keys', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('is_component', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('statement_id', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_current', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('is_closed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('retrieved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_relationships_dataset_datasets')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_relationships_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interested_party_id'], ['entities.id'], name=op.f('fk_relationships_interested_party_id_entities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['entities.id'], name=op.f('fk_relationships_subject_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relationships'))
    )
    op.create_index(op.f('ix_relationships_interested_party_id_valid_from'), 'relationships', ['interested_party_id', 'valid_from'], unique=False)
    op.create_index(op.f('ix_relationships_subject_id_valid_from'), 'relationships', ['subject_id', 'valid_from'], unique=False)
    op.create_index('uq_relationships_current', 'relationships', ['dataset', 'source_key'], unique=True, postgresql_where=sa.text('is_current'))
    op.create_table('awards',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('award_id', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('value_amount', sa.Numeric(), nullable=True),
    sa.Column('value_currency', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_awards_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards'))
    )
    op.create_index(op.f('ix_awards_contract_id'), 'awards', ['contract_id'], unique=False)
    op.create_table('clients',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('registrant_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('income_band', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_clients_entity_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_clients_registrant_id_registrants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients'))
    )
    op.create_index(op.f('ix_clients_entity_id'), 'clients', ['entity_id'], unique=False)
    op.create_index(op.f('ix_clients_registrant_id'), 'clients', ['registrant_id'], unique=False)
    op.create_table('contract_agreements',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('agreement_id', sa.Text(), nullable=False),
    sa.Column('award_id', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('date_signed', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('value_amount', sa.Numeric(), nullable=True),
    sa.Column('value_currency', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_agreements_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_agreements'))
    )
    op.create_index(op.f('ix_contract_agreements_contract_id'), 'contract_agreements', ['contract_id'], unique=False)
    op.create_table('contract_parties',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('party_id', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_parties_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_contract_parties_entity_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_parties'))
    )
    op.create_index(op.f('ix_contract_parties_contract_id'), 'contract_parties', ['contract_id'], unique=False)
    op.create_index(op.f('ix_contract_parties_entity_id_role'), 'contract_parties', ['entity_id', 'role'], unique=False)
    op.create_table('interests',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('relationship_id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('direct_or_indirect', sa.Text(), nullable=True),
    sa.Column('beneficial_ownership_or_control', sa.Boolean(), nullable=True),
    sa.Column('share_exact', sa.Numeric(), nullable=True),
    sa.Column('share_min', sa.Numeric(), nullable=True),
    sa.Column('share_max', sa.Numeric(), nullable=True),
    sa.Column('share_exclusive_min', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('share_exclusive_max', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['relationship_id'], ['relationships.id'], name=op.f('fk_interests_relationship_id_relationships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests'))
    )
    op.create_index(op.f('ix_interests_relationship_id'), 'interests', ['relationship_id'], unique=False)
    op.create_table('lobbyists',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('registrant_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('former_public_office', sa.Text(), nullable=True),
    sa.Column('former_office_end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_lobbyists_entity_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_lobbyists_registrant_id_registrants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lobbyists'))
    )
    op.create_index(op.f('ix_lobbyists_entity_id'), 'lobbyists', ['entity_id'], unique=False)
    op.create_index(op.f('ix_lobbyists_registrant_id'), 'lobbyists', ['registrant_id'], unique=False)
    op.create_table('meetings',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('dataset', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('subject', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('legislation', sa.Text(), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('institution_id', sa.BigInteger(), nullable=True),
    sa.Column('registrant_id', sa.BigInteger(), nullable=True),
    sa.Column('registrant_name', sa.Text(), nullable=True),
    sa.Column('declared_by_registrant', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('declared_by_official', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_meetings_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dataset'], ['datasets.name'], name=op.f('fk_meetings_dataset_datasets')),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_meetings_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['entities.id'], name=op.f('fk_meetings_institution_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['meetings.id'], name=op.f('fk_meetings_merged_into_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_meetings_registrant_id_registrants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('dataset', 'source_key', name=op.f('uq_meetings_dataset_source_key'))
    )
    op.create_index(op.f('ix_meetings_date'), 'meetings', ['date'], unique=False)
    op.create_index(op.f('ix_meetings_institution_id'), 'meetings', ['institution_id'], unique=False)
    op.create_index(op.f('ix_meetings_registrant_id'), 'meetings', ['registrant_id'], unique=False)
    op.create_table('registrant_members',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('registrant_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_registrant_members_registrant_id_registrants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registrant_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'registrant_id', name=op.f('pk_registrant_members'))
    )
    op.create_table('registrant_versions',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('registrant_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'draft'"), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_registrant_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_registrant_versions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_registrant_versions_registrant_id_registrants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrant_versions')),
    sa.UniqueConstraint('registrant_id', 'version', name=op.f('uq_registrant_versions_registrant_id_version'))
    )
    op.create_index(op.f('ix_registrant_versions_registrant_id'), 'registrant_versions', ['registrant_id'], unique=False)
    op.create_table('returns',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('registrant_id', sa.BigInteger(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'due'"), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_returns_registrant_id_registrants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns')),
    sa.UniqueConstraint('registrant_id', 'period_start', name=op.f('uq_returns_registrant_id_period_start'))
    )
    op.create_index(op.f('ix_returns_registrant_id'), 'returns', ['registrant_id'], unique=False)
    op.create_table('award_suppliers',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('award_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_award_suppliers_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_award_suppliers_entity_id_entities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_suppliers'))
    )
    op.create_index(op.f('ix_award_suppliers_award_id'), 'award_suppliers', ['award_id'], unique=False)
    op.create_index(op.f('ix_award_suppliers_entity_id'), 'award_suppliers', ['entity_id'], unique=False)
    op.create_table('meeting_clients',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=True),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_meeting_clients_client_id_clients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_meeting_clients_entity_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_clients_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_clients'))
    )
    op.create_index(op.f('ix_meeting_clients_meeting_id'), 'meeting_clients', ['meeting_id'], unique=False)
    op.create_table('meeting_officials',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('meeting_id', sa.BigInteger(), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('institution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_meeting_officials_entity_id_entities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_officials_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_officials'))
    )
    op.create_index(op.f('ix_meeting_officials_entity_id'), 'meeting_officials', ['entity_id'], unique=False)
    op.create_index(op.f('ix_meeting_officials_meeting_id'), 'meeting_officials', ['meeting_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_meeting_officials_meeting_id'), table_name='meeting_officials')
    op.drop_index(op.f('ix_meeting_officials_entity_id'), table_name='meeting_officials')
    op.drop_table('meeting_officials')
    op.drop_index(op.f('ix_meeting_clients_meeting_id'), table_name='meeting_clients')
    op.drop_table('meeting_clients')
    op.drop_index(op.f('ix_award_suppliers_entity_id'), table_name='award_suppliers')
    op.drop_index(op.f('ix_award_suppliers_award_id'), table_name='award_suppliers')
    op.drop_table('award_suppliers')
    op.drop_index(op.f('ix_returns_registrant_id'), table_name='returns')
    op.drop_table('returns')
    op.drop_index(op.f('ix_registrant_versions_registrant_id'), table_name='registrant_versions')
    op.drop_table('registrant_versions')
    op.drop_table('registrant_members')
    op.drop_index(op.f('ix_meetings_registrant_id'), table_name='meetings')
    op.drop_index(op.f('ix_meetings_institution_id'), table_name='meetings')
    op.drop_index(op.f('ix_meetings_date'), table_name='meetings')
    op.drop_table('meetings')
    op.drop_index(op.f('ix_lobbyists_registrant_id'), table_name='lobbyists')
    op.drop_index(op.f('ix_lobbyists_entity_id'), table_name='lobbyists')
    op.drop_table('lobbyists')
    op.drop_index(op.f('ix_interests_relationship_id'), table_name='interests')
    op.drop_table('interests')
    op.drop_index(op.f('ix_contract_parties_entity_id_role'), table_name='contract_parties')
    op.drop_index(op.f('ix_contract_parties_contract_id'), table_name='contract_parties')
    op.drop_table('contract_parties')
    op.drop_index(op.f('ix_contract_agreements_contract_id'), table_name='contract_agreements')
    op.drop_table('contract_agreements')
    op.drop_index(op.f('ix_clients_registrant_id'), table_name='clients')
    op.drop_index(op.f('ix_clients_entity_id'), table_name='clients')
    op.drop_table('clients')
    op.drop_index(op.f('ix_awards_contract_id'), table_name='awards')
    op.drop_table('awards')
    op.drop_index('uq_relationships_current', table_name='relationships', postgresql_where=sa.text('is_current'))
    op.drop_index(op.f('ix_relationships_subject_id_valid_from'), table_name='relationships')
    op.drop_index(op.f('ix_relationships_interested_party_id_valid_from'), table_name='relationships')
    op.drop_table('relationships')
    op.drop_index(op.f('ix_registrants_entity_id'), table_name='registrants')
    op.drop_table('registrants')
    op.drop_index(op.f('ix_links_status_score'), table_name='links')
    op.drop_index(op.f('ix_links_right_id'), table_name='links')
    op.drop_table('links')
    op.drop_index('ix_entity_names_normalized_trgm', table_name='entity_names', postgresql_using='gin', postgresql_ops={'normalized': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_entity_names_entity_id'), table_name='entity_names')
    op.drop_table('entity_names')
    op.drop_index(op.f('ix_entity_identifiers_scheme_normalized'), table_name='entity_identifiers')
    op.drop_index(op.f('ix_entity_identifiers_normalized'), table_name='entity_identifiers')
    op.drop_index(op.f('ix_entity_identifiers_entity_id'), table_name='entity_identifiers')
    op.drop_table('entity_identifiers')
    op.drop_index(op.f('ix_contracts_updated_at_id'), table_name='contracts')
    op.drop_index(op.f('ix_contracts_ocid'), table_name='contracts')
    op.drop_index(op.f('ix_contracts_buyer_id'), table_name='contracts')
    op.drop_table('contracts')
    op.drop_index(op.f('ix_record_versions_dataset_record_type_source_key_valid_from'), table_name='record_versions')
    op.drop_table('record_versions')
    op.drop_index(op.f('ix_import_errors_run_id'), table_name='import_errors')
    op.drop_table('import_errors')
    op.drop_index(op.f('ix_entities_updated_at_id'), table_name='entities')
    op.drop_table('entities')
    op.drop_index(op.f('ix_import_runs_dataset'), table_name='import_runs')
    op.drop_table('import_runs')
    op.drop_index(op.f('ix_api_keys_user_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_search_outbox_entity_id'), table_name='search_outbox')
    op.drop_table('search_outbox')
    op.drop_index(op.f('ix_login_attempts_ip_at'), table_name='login_attempts')
    op.drop_index(op.f('ix_login_attempts_email_at'), table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_table('datasets')
    op.drop_index(op.f('ix_audit_log_object_type_object_id'), table_name='audit_log')
    op.drop_table('audit_log')
