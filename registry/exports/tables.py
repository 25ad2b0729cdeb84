"""The public tables of a bulk dump, as SQL: one place that says what may leave the registry.

Columns are listed explicitly (never ``*``) so that a column added later, such as
``entities.restricted``, is never published by accident; ``links.comment`` (a registrar's
note) is left out, and addresses and birth dates pass the rules of :mod:`registry.privacy`.
Lobbying data is the published view only: lobbyists and clients mirror approved versions;
drafts are not exported.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.privacy import public_addresses_sql


@dataclass(frozen=True, slots=True)
class PublicTable:
    name: str
    sql: str  # a SELECT, ordered for stable dumps that diff well


PUBLIC_TABLES: tuple[PublicTable, ...] = (
    PublicTable("datasets", "SELECT name, title, source, licence, url FROM datasets ORDER BY name"),
    PublicTable("entities", f"""
        SELECT id, dataset, source_key, kind, name, country, jurisdiction, legal_form,
               founding_date, dissolution_date, left(birth_date, 7) AS birth_date,
               nationalities, {public_addresses_sql("addresses")} AS addresses,
               is_closed, statement_id, valid_from, updated_at, data->>'status' AS status
        FROM entities ORDER BY id"""),
    PublicTable("entity_names", """
        SELECT entity_id, name, type, lang, valid_from, valid_to
        FROM entity_names ORDER BY entity_id, id"""),
    PublicTable("entity_identifiers", """
        SELECT entity_id, scheme, value, normalized, scheme_name, uri
        FROM entity_identifiers ORDER BY entity_id, id"""),
    PublicTable("relationships", """
        SELECT id, dataset, source_key, subject_id, interested_party_id, interested_unspecified,
               component_keys, statement_id, valid_from, valid_to, is_current, is_closed
        FROM relationships ORDER BY id"""),
    PublicTable("interests", """
        SELECT relationship_id, type, direct_or_indirect, beneficial_ownership_or_control,
               share_exact, share_min, share_max, share_exclusive_min, share_exclusive_max,
               start_date, end_date, details
        FROM interests ORDER BY relationship_id, id"""),
    PublicTable("contracts", """
        SELECT id, dataset, ocid, title, description, status, buyer_id, value_amount,
               value_currency, date, release_count, updated_at
        FROM contracts ORDER BY id"""),
    PublicTable("contract_parties", """
        SELECT contract_id, entity_id, party_id, role FROM contract_parties
        ORDER BY contract_id, id"""),
    PublicTable("awards", """
        SELECT a.id, a.contract_id, a.award_id, a.title, a.status, a.date, a.value_amount,
               a.value_currency,
               (SELECT coalesce(json_agg(s.entity_id ORDER BY s.id), '[]')
                FROM award_suppliers s WHERE s.award_id = a.id) AS supplier_ids
        FROM awards a ORDER BY a.id"""),
    PublicTable("contract_agreements", """
        SELECT contract_id, agreement_id, award_id, title, status, date_signed, period_start,
               period_end, value_amount, value_currency
        FROM contract_agreements ORDER BY contract_id, id"""),
    PublicTable("registrants", """
        SELECT r.id, r.entity_id, r.registration_number, r.name, r.category, r.status,
               r.published_version, v.data AS entry
        FROM registrants r
        JOIN registrant_versions v
          ON v.registrant_id = r.id AND v.version = r.published_version
        WHERE r.published_version IS NOT NULL ORDER BY r.id"""),
    PublicTable("lobbyists", """
        SELECT l.registrant_id, l.entity_id, l.name, l.role, l.former_public_office,
               l.former_office_end
        FROM lobbyists l JOIN registrants r ON r.id = l.registrant_id
        WHERE r.published_version IS NOT NULL ORDER BY l.registrant_id, l.id"""),
    PublicTable("clients", """
        SELECT c.registrant_id, c.entity_id, c.name, c.income_band
        FROM clients c JOIN registrants r ON r.id = c.registrant_id
        WHERE r.published_version IS NOT NULL ORDER BY c.registrant_id, c.id"""),
    PublicTable("meetings", """
        SELECT m.id, m.dataset, m.source_key, m.date, m.subject, m.legislation, m.location,
               m.institution_id, m.registrant_id, m.registrant_name, m.declared_by_registrant,
               m.declared_by_official,
               (SELECT coalesce(json_agg(json_build_object('name', o.name, 'role', o.role,
                        'institution', o.institution, 'entity_id', o.entity_id) ORDER BY o.id),
                        '[]') FROM meeting_officials o WHERE o.meeting_id = m.id) AS officials,
               (SELECT coalesce(json_agg(json_build_object('name', c.name,
                        'entity_id', c.entity_id) ORDER BY c.id), '[]')
                FROM meeting_clients c WHERE c.meeting_id = m.id) AS clients
        FROM meetings m
        LEFT JOIN registrants r ON r.id = m.registrant_id
        WHERE m.merged_into_id IS NULL
          AND (m.registrant_id IS NULL OR r.published_version IS NOT NULL)
        ORDER BY m.id"""),
    PublicTable("donations", """
        SELECT id, dataset, source_ref, donor_id, donor_name, donor_type, recipient_id,
               recipient_name, recipient_type, accounting_unit, value, currency, date,
               accepted_date, received_date, reported_date, type, nature, status,
               reporting_period, data, updated_at
        FROM donations ORDER BY id"""),
    PublicTable("links", """
        SELECT id, left_id, right_id, score, status, method, evidence, matcher_version,
               decided_at
        FROM links WHERE status IN ('auto', 'confirmed') ORDER BY id"""),
)

TABLES_BY_NAME = {t.name: t for t in PUBLIC_TABLES}
