"""Hardening: restricted person details scrubbed from public columns; member invitations

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 21:00:00.000000

Residential addresses, places of birth and days of birth were published by earlier imports of
BODS persons (``entities.addresses``, ``record_versions.content``). They move to
``entities.restricted`` (addresses) or are cut from the public history (the importer keeps
them in ``restricted`` from now on). The rule is ``registry/privacy.py``'s; the SQL here is
its copy at this revision.

``registrant_invitations``: a member invites another account, which joins only by accepting.
``login_attempts.kind``: sign-ups are counted per client address too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | Sequence[str] | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESTRICTED = "('residence', 'placeOfBirth', 'home', 'residential')"

_FUNCTIONS = f"""
CREATE FUNCTION pg_temp.restricted_addresses(a jsonb, keep boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(x ORDER BY n), '[]'::jsonb)
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(a) = 'array' THEN a ELSE '[]' END)
       WITH ORDINALITY AS t(x, n)
  WHERE (jsonb_typeof(x) = 'object' AND coalesce(x->>'type', '') IN {_RESTRICTED}) = NOT keep
$$;
--
CREATE FUNCTION pg_temp.public_person(d jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(d) <> 'object' THEN d ELSE
    (d - 'placeOfBirth' - 'placeOfResidence' - 'addresses')
    || CASE WHEN jsonb_typeof(d->'addresses') = 'array'
            THEN jsonb_build_object('addresses', pg_temp.restricted_addresses(d->'addresses', true))
            ELSE '{{}}'::jsonb END
    || CASE WHEN length(d->>'birthDate') > 7
            THEN jsonb_build_object('birthDate', left(d->>'birthDate', 7))
            ELSE '{{}}'::jsonb END
  END
$$;
"""


def upgrade() -> None:
    for function in _FUNCTIONS.split("--\n"):
        op.execute(function)
    op.execute(f"""
        UPDATE entities SET
          restricted = restricted || jsonb_build_object(
              'addresses', coalesce(restricted->'addresses', '[]'::jsonb)
                           || pg_temp.restricted_addresses(addresses, false)),
          addresses = pg_temp.restricted_addresses(addresses, true)
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(
                          CASE WHEN jsonb_typeof(addresses) = 'array' THEN addresses
                               ELSE '[]' END) x
                      WHERE jsonb_typeof(x) = 'object' AND x->>'type' IN {_RESTRICTED})""")
    op.execute("UPDATE entities SET birth_date = left(birth_date, 7) "
               "WHERE length(birth_date) > 7")
    # 0.4 statements hold their details under recordDetails; 0.2/0.3 ones at the top.
    op.execute("""
        UPDATE record_versions SET content = CASE
            WHEN content ? 'recordDetails'
            THEN jsonb_set(content, '{recordDetails}',
                           pg_temp.public_person(content->'recordDetails'))
            ELSE pg_temp.public_person(content) END
        WHERE record_type = 'person'
          AND (content->'recordDetails' ?| array['placeOfBirth', 'addresses', 'birthDate']
               OR content ?| array['placeOfBirth', 'placeOfResidence', 'addresses',
                                   'birthDate'])""")
    op.create_table(
        "registrant_invitations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("registrant_id", sa.BigInteger(),
                  sa.ForeignKey("registrants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("invited_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.UniqueConstraint("registrant_id", "email",
                            name="uq_registrant_invitations_registrant_email"),
    )
    op.create_index("ix_registrant_invitations_email", "registrant_invitations", ["email"])
    # Sign-ups are throttled per client address like failed sign-ins.
    op.add_column("login_attempts", sa.Column("kind", sa.Text(), nullable=False,
                                              server_default="sign-in"))


def downgrade() -> None:
    op.drop_column("login_attempts", "kind")
    op.drop_table("registrant_invitations")
